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


# ---------------------------------------------------------------- extract-3: general title, place and format rules


def test_organization_name_as_title_with_parenthesized_acronym():
    text = ("The Secretary met today with United Nations High Commissioner for Refugees (UNHCR) Amara Lindqvist "
            "in Geneva. High Commissioner Lindqvist thanked him.")
    ex = extract("d", text, None, date(2022, 5, 2))
    assert set(people(ex)) == {"Amara Lindqvist"}
    # An organization containing a title word followed by one capitalized word is no title + name.
    ex = extract("d", "They cited UN General Assembly Resolution A/RES/75/1 on the matter.")
    assert people(ex) == {}


def test_ministry_titles_with_remits_unknown_to_the_title_words():
    cases = {
        "Minister of Foreign Affairs and European Integration Petra Kovac": "Petra Kovac",
        "Minister for Digitalisation and Innovation Lars Holm": "Lars Holm",
        "Minister for Tourism Ana Ruiz": "Ana Ruiz",
        "Assistant Secretary for Oceans and International Environmental and Scientific Affairs Maria Ortega": "Maria Ortega",
        "Under Secretary for Civilian Security, Democracy, and Human Rights Nadia Farah": "Nadia Farah",
        "Under Secretary for Economic Growth, Energy, and the Environment Paul Okafor": "Paul Okafor",
        "Acting Coordinator for the Global Engagement Center Nadia Brooks": "Nadia Brooks",
    }
    for title_and_name, name in cases.items():
        ex = extract("d", f"The Secretary met today with {title_and_name} in Vienna.")
        assert set(people(ex)) == {name}, title_and_name
    # A remit word after a title word does not swallow a name before another title.
    ex = extract("d", "Deputy Assistant Secretary of State Ruth Obi and Acme Africa Acting Coordinator "
                      "Leo Park will travel.")
    assert set(people(ex)) == {"Ruth Obi", "Leo Park"}


def test_mentions_of_one_person_merge_across_diacritics_to_the_accented_full_form():
    text = ("Deputy Secretary General Ionuț Vlădescu met the Secretary. Deputy Secretary General Vladescu "
            "agreed that coordination is essential.")
    ex = extract("d", text)
    assert {p.name for p in ex.person_mentions} == {"Ionuț Vlădescu"}


def test_plural_titles_introduce_several_people():
    ex = extract("d", "In keeping with the commitment made by Presidents Harlow and Mendes last year, talks went on.")
    assert {(p.name, p.title) for p in ex.person_mentions} == {("Harlow", "President"), ("Mendes", "President")}
    ex = extract("d", "Foreign Ministers Adeyemi, Novak and Sato signed the declaration.")
    assert set(people(ex)) == {"Adeyemi", "Novak", "Sato"}
    # A plural title not followed by a list of names names no one.
    assert people(extract("d", "The Foreign Ministers of the Governments of Chile and Peru met.")) == {}


def test_organizational_units_are_not_persons():
    text = ("The United States was represented by the Department of Defense (Office of the Secretary of Defense, "
            "Joint Staff, and European Command) and the Office of the Special Envoy. The General Staff agreed.")
    assert people(extract("d", text)) == {}
    text = "President of the Global Grain Prize Foundation, Barbara Ames, will speak."
    assert set(people(extract("d", text))) == {"Barbara Ames"}


def test_office_acronym_titles_need_a_full_name():
    ex = extract("d", "We reiterated our support to UNSE Henrik Solberg’s efforts. SRSG Mira Tal briefed.")
    assert set(people(ex)) == {"Henrik Solberg", "Mira Tal"}
    assert people(extract("d", "We reiterated our support to the UNSE Solberg plan.")) == {}


def test_person_country_from_possessive_and_from_a_national_institution():
    ex = extract("d", "Secretary of State Jane Roe spoke with Azerbaijan’s President Karimov today.")
    assert people(ex)["Karimov"][0] == "AZE"
    ex = extract("d", "The Deputy Secretary spoke today with Australian Department of Foreign Affairs and Trade "
                      "Secretary Helen Marsh.")
    assert people(ex)["Helen Marsh"][0] == "AUS"
    ex = extract("d", "U.S. Department of Commerce Under Secretary Dana Whitfield will visit Ankara.")
    assert people(ex)["Dana Whitfield"][0] == "USA"


def test_meeting_reported_by_a_noun_and_place_tied_to_the_meeting():
    text = ("The following is the text of a joint statement by the Governments of the United States of America and "
            "Iceland following their strategic dialogue in Reykjavik, Iceland on April 26.\nThe two countries "
            "discussed security.")
    m = extract("d", text, "Joint Statement on the United States – Iceland Strategic Dialogue", date(2022, 4, 27)).meetings[0]
    assert (m.meeting_date, m.city, m.country_code, m.format) == (date(2022, 4, 26), "Reykjavik", "ISL", "bilateral meeting")
    text = ("The following is a joint statement of the Governments of the United States and Turkey.\nIn keeping with "
            "the commitment made during their meeting in Rome in October 2021, the United States and Turkey launched "
            "the U.S.-Turkey Strategic Mechanism on April 4 in Ankara.")
    m = extract("d", text, "Joint Statement on the Strategic Mechanism", date(2022, 4, 4)).meetings[0]
    assert (m.city, m.country_code, m.format) == ("Ankara", "TUR", "bilateral meeting")


def test_cities_named_in_titles_processes_and_person_names_are_not_meeting_places():
    ex = extract("d", "The Secretary met with Foreign Minister Santiago Reyes today in Bali, Indonesia.", None, date(2022, 7, 8))
    assert (ex.meetings[0].city, ex.meetings[0].country_code) == ("Bali", "IDN")
    ex = extract("d", "The envoys met today to support the OSCE Minsk Group and the Paris Agreement.", None, date(2022, 7, 8))
    assert ex.meetings[0].city is None
    # A city named like its country is a place only after "in"/"at".
    ex = extract("d", "The United States and Singapore co-hosted the symposium on June 28.", None, date(2022, 7, 8))
    assert ex.meetings[0].city is None


def test_capitals_and_venues_are_meeting_places():
    for city, code in [("Ulaanbaatar", "MNG"), ("Reykjavík", "ISL"), ("Chișinău", "MDA"), ("The Hague", "NLD"),
                       ("Davos", "CHE"), ("Port Moresby", "PNG"), ("Asunción", "PRY"), ("Windhoek", "NAM")]:
        m = extract("d", f"The Secretary met today with the delegation in {city}.", None, date(2022, 3, 1)).meetings[0]
        assert m.country_code == code, city


def test_meetings_of_three_or_more_principals_or_a_group_of_states_are_other():
    d = date(2022, 4, 20)
    text = ("Deputy Secretary of State Ann Cole met jointly today in Brussels with NATO Deputy Secretary General "
            "Ion Petrescu and EEAS Secretary General Luca Bianchi.")
    assert extract("d", text, "Deputy Secretary Cole’s Meeting with NATO and EEAS", d).meetings[0].format == "other"
    text = "Secretary of State Ann Cole met with a group of Treaty States Parties today in New York."
    assert extract("d", text, "Secretary Cole’s Meeting with Treaty States Parties", d).meetings[0].format == "other"
    # Two officials of one country are one delegation; a leader merely mentioned is no principal.
    text = ("Deputy Secretary of State Ann Cole met today with New Zealand Secretary of Foreign Affairs and Trade "
            "Chris Dale and New Zealand Secretary of Defence Andrew Hale in Washington.")
    assert extract("d", text, None, d).meetings[0].format == "bilateral meeting"
    text = ("Secretary of State Ann Cole met today with Greek Foreign Minister Nikos Pappas following the visit of "
            "Greek Prime Minister Kostas Lazos.")
    assert extract("d", text, None, d).meetings[0].format == "bilateral meeting"


def test_plural_demonyms_stand_for_their_country():
    ex = extract("d", "They discussed assistance to the most vulnerable Afghans and Syrians.")
    assert [c.country_code for c in ex.country_mentions] == ["AFG", "SYR"]
