"""The extraction rules on small texts (no reference material needed)."""

from __future__ import annotations

from datetime import date

from readout_pipeline.extract import EXTRACTOR_VERSION, extract


def people(ex):
    return {p.name: (p.country_code, p.role) for p in ex.person_mentions}


def test_version_and_empty_text():
    assert EXTRACTOR_VERSION
    ex = extract("d", "", None, None)
    assert ex.country_mentions == [] and ex.meetings == []


def test_countries_names_official_names_alternates_and_demonyms():
    text = ("The Kingdom of the Netherlands, Türkiye and Turkey, the U.S.-Turkey dialogue, the Turkish Foreign "
            "Minister, the Democratic People’s Republic of Korea and the Republic of Korea. New Jersey is not a country.")
    ex = extract("d", text)
    codes = [c.country_code for c in ex.country_mentions]
    assert codes == ["NLD", "TUR", "TUR", "USA", "TUR", "TUR", "PRK", "KOR"]
    for c in ex.country_mentions:
        assert text[c.start_char:c.end_char] == c.mention


def test_organizations_and_working_group_lists():
    text = ("Partners agreed to focus the D-ISIS Coalition’s Communications, Countering-ISIS Finance, and Foreign "
            "Terrorist Fighters Working Groups on ISIS-K, with INTERPOL, the UN Security Council and EUAM Iraq.")
    ids = [o.org_id for o in extract("d", text).organization_mentions]
    assert ids == ["global-coalition", "coalition-wg-communications", "coalition-wg-finance", "coalition-wg-ftf",
                   "interpol", "unsc", "euam-iraq"]


def test_person_variants_resolve_to_one_name_with_country_and_role():
    text = ("Senior representatives met today in a virtual setting. U.S. Acting Special Envoy for the Global "
            "Coalition John Godfrey provided an update. Special Envoy Godfrey stressed the need to act. "
            "Political Director Mr. Marcel de Vink of the Netherlands spoke too.")
    ex = extract("d", text, None, date(2021, 9, 29))
    names = people(ex)
    assert names["John Godfrey"] == ("USA", "participant")
    assert names["Marcel de Vink"][0] == "NLD"
    assert [p.title for p in ex.person_mentions if p.name == "John Godfrey"] == [
        "Acting Special Envoy for the Global Coalition", "Special Envoy"]


def test_hosts_and_co_chairs():
    text = ("The Ministers met today in Rome at the invitation of Italian Minister of Foreign Affairs and "
            "International Cooperation Luigi Di Maio and U.S. Secretary of State Antony J. Blinken. The meeting "
            "was co-chaired by Director General Alberto Ucelay.")
    ex = extract("d", text, None, date(2021, 6, 28))
    assert people(ex) == {"Luigi Di Maio": ("ITA", "host"), "Antony J. Blinken": ("USA", "host"),
                          "Alberto Ucelay": (None, "co-chair")}
    m = ex.meetings[0]
    assert (m.meeting_date, m.city, m.country_code, m.format, m.host_country_codes) == (
        date(2021, 6, 28), "Rome", "ITA", "ministerial", ("ITA", "USA"))


def test_meeting_date_is_not_the_publication_date():
    ex = extract("d", "Secretary Blinken spoke yesterday with Iraqi Prime Minister Mustafa al-Kadhimi.",
                 "Secretary Blinken’s Call with Iraqi Prime Minister Mustafa al-Kadhimi", date(2022, 3, 14))
    m = ex.meetings[0]
    assert (m.meeting_date, m.date_precision, m.format, m.is_virtual, m.city) == (
        date(2022, 3, 13), "day", "bilateral call", True, None)
    ex = extract("d", "They met in New York on May 18 within the framework of the Strategic Mechanism.",
                 None, date(2022, 5, 20))
    assert ex.meetings[0].meeting_date == date(2022, 5, 18)


def test_dateline_stands_in_for_a_missing_publication_date_and_other_dates_are_ignored():
    text = ("June 28, 2021 - Ottawa, Ontario - Global Affairs Canada\nThe Ministers met today in Rome. "
            "The working group met on May 27-28.")
    m = extract("d", text).meetings[0]
    assert (m.meeting_date, m.city) == (date(2021, 6, 28), "Rome")
    m = extract("d", "The Kingdom of Spain hosted a meeting in Madrid of the Small Group. It met again on May 27.").meetings[0]
    assert (m.meeting_date, m.city, m.format, m.host_country_codes) == (
        None, "Madrid", "political directors / small group", ("ESP",))


def test_statement_without_meeting_has_no_meeting_row():
    assert extract("d", "The Coalition remains committed to the enduring defeat of ISIS.").meetings == []


def test_membership_events():
    text = ("The Ministers welcomed new members joining the Coalition - Central African Republic, Democratic "
            "Republic of the Congo, Mauritania, and Yemen. Uzbekistan was welcomed as the newest member of the "
            "Coalition for its leadership against threats to Europe and the United States.")
    ev = [(e.country_code, e.organization, e.event) for e in extract("d", text).membership_events]
    assert [c for c, _, _ in ev] == ["CAF", "COD", "MRT", "YEM", "UZB"]
    assert {o for _, o, _ in ev} == {"global-coalition"}


def test_amounts():
    text = "Partners have pledged more than $600 million against their 2021 goal of $670 million, and €5.5 billion."
    got = [(a.value, a.currency, a.unit, a.mention) for a in extract("d", text).amounts]
    assert got == [(600e6, "USD", "million", "$600 million"), (670e6, "USD", "million", "$670 million"),
                   (5.5e9, "EUR", "billion", "€5.5 billion")]
    assert "2021 goal" in extract("d", text).amounts[0].context


def test_topics_with_evidence_and_context():
    text = ("They discussed ISIS-K and foreign terrorist fighters. The urgency of forming a government "
            "accountable to the Iraqi people. Support African countries suffering from drought.")
    got = {t.topic: t.evidence for t in extract("d", text).topics}
    assert got["ISIS-Khorasan"] == "ISIS-K"
    assert got["foreign terrorist fighters and travel"] == "foreign terrorist fighters"
    assert "accountability and justice" not in got and "Africa" not in got


def test_extraction_is_deterministic():
    text = "Secretary Blinken met today with Polish Foreign Minister Zbigniew Rau in Washington, D.C."
    assert extract("d", text, None, date(2022, 2, 4)) == extract("d", text, None, date(2022, 2, 4))


def test_membership_lists_after_welcomed():
    from readout_pipeline.extract import extract

    cases = {
        "Members welcomed the Republic of Benin as the 88th member of the Coalition.": ["BEN"],
        "The Ministers welcomed Togo, the Republic of Moldova and Sierra Leone as the newest members of the Coalition.": ["TGO", "MDA", "SLE"],
        "The meeting welcomed Togo and the Republic of Moldova as the Coalition's newest members.": ["TGO", "MDA"],
        "The Ministers welcomed Togo and praised Sierra Leone for its efforts against the Coalition's enemies.": [],
    }
    for text, codes in cases.items():
        found = extract("d", text, None, None).membership_events
        assert [m.country_code for m in found] == codes, text
        assert all(m.organization == "global-coalition" for m in found)
