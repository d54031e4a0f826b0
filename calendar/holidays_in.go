package calendar

// india lists the 14 holidays every administrative office of India's
// Central Government observes, wherever it is (para 2 of the Department of
// Personnel and Training's yearly Office Memorandum "Holidays to be
// observed in Central Government Offices during the year ..."; dates from
// its Annexure-I):
//
//   - 2025: DoPT O.M. issued in 2024 for the year 2025;
//   - 2026: DoPT O.M. dated 3 July 2025 for the year 2026.
//   - 2027: DoPT O.M. for the year 2027 (reported as F.No. 12/2/2023-JCA
//     of 16 July 2026). The O.M. itself could not be opened here (checked
//     2026-12-07); the rows are a public transcription of its Annexure-I
//     (a curated holiday table in a public GitHub repository, "transcribed
//     from the Department of Personnel and Training gazetted holiday
//     notifications for 2026 and 2027", whose 2026 rows match the 2026
//     O.M. above exactly), checked against the festival tables of the
//     python-holidays library (github.com/vacanza/holidays,
//     holidays/calendars/hindu.py and islamic.py, July 2026, with India's
//     one day after the Umm al-Qura dates as in its 2025-2026 rows). They
//     agree on every moving date but two: for Holi and Mahavir Jayanti the library's
//     estimates are a day earlier (22 March, 18 April) and the
//     transcription's days (23 March, 19 April) are kept, being DoPT's.
//     The transcription lists no separate Milad-un-Nabi: 12 Rabi'
//     al-Awwal 1449 falls on 15 August in India (14 in the Umm al-Qura
//     calendar), with Independence Day, a Sunday, so it closes no
//     business day; should DoPT have put it on Monday 16 August, add that
//     row. Re-check all 2027 rows against the O.M. when it can be read:
//     docs/business-time.md says what rests on them.
//
// Each state adds three more, chosen yearly by the Central Government
// Employees Welfare Coordination Committee in its capital (para 3.1); only
// Delhi's, chosen by DoPT itself, are here (delhi, region IN-DL). Other
// states' three, and restricted (optional) holidays, are contract
// closures. India moves no holiday that falls on a weekend.
//
// Dates of Id-ul-Fitr, Id-ul-Zuha, Muharram and Id-e-Milad depend on the
// moon; DoPT sometimes moves one by a later O.M. (Id-e-Milad in 2016,
// Id-ul-Zuha in 2018). The rows are the dates as listed; a later move
// must be applied here or given as a contract closure.
//
// To add a year: copy the 14 dates of that year's O.M. (and Delhi's three)
// and move the regions' last year in regions().
func india() []holiday {
	return []holiday{
		{"2025-01-26", "Republic Day"},
		{"2025-03-31", "Id-ul-Fitr"},
		{"2025-04-10", "Mahavir Jayanti"},
		{"2025-04-18", "Good Friday"},
		{"2025-05-12", "Buddha Purnima"},
		{"2025-06-07", "Id-ul-Zuha (Bakrid)"},
		{"2025-07-06", "Muharram"},
		{"2025-08-15", "Independence Day"},
		{"2025-09-05", "Milad-un-Nabi (Id-e-Milad)"},
		{"2025-10-02", "Mahatma Gandhi's Birthday"},
		{"2025-10-02", "Dussehra"},
		{"2025-10-20", "Diwali (Deepavali)"},
		{"2025-11-05", "Guru Nanak's Birthday"},
		{"2025-12-25", "Christmas Day"},

		{"2026-01-26", "Republic Day"},
		{"2026-03-21", "Id-ul-Fitr"},
		{"2026-03-31", "Mahavir Jayanti"},
		{"2026-04-03", "Good Friday"},
		{"2026-05-01", "Buddha Purnima"},
		{"2026-05-27", "Id-ul-Zuha (Bakrid)"},
		{"2026-06-26", "Muharram"},
		{"2026-08-15", "Independence Day"},
		{"2026-08-26", "Milad-un-Nabi (Id-e-Milad)"},
		{"2026-10-02", "Mahatma Gandhi's Birthday"},
		{"2026-10-20", "Dussehra"},
		{"2026-11-08", "Diwali (Deepavali)"},
		{"2026-11-24", "Guru Nanak's Birthday"},
		{"2026-12-25", "Christmas Day"},

		{"2027-01-26", "Republic Day"},
		{"2027-03-10", "Id-ul-Fitr"},
		{"2027-03-26", "Good Friday"},
		{"2027-04-19", "Mahavir Jayanti"},
		{"2027-05-17", "Id-ul-Zuha (Bakrid)"},
		{"2027-05-20", "Buddha Purnima"},
		{"2027-06-16", "Muharram"},
		{"2027-08-15", "Independence Day"},
		{"2027-08-15", "Milad-un-Nabi (Id-e-Milad)"},
		{"2027-10-02", "Mahatma Gandhi's Birthday"},
		{"2027-10-09", "Dussehra"},
		{"2027-10-29", "Diwali (Deepavali)"},
		{"2027-11-14", "Guru Nanak's Birthday"},
		{"2027-12-25", "Christmas Day"},
	}
}

// delhi lists the three further holidays DoPT chose for Central Government
// offices in Delhi / New Delhi, from the same Annexure-I.
func delhi() []holiday {
	return []holiday{
		{"2025-02-26", "Maha Shivaratri"},
		{"2025-03-14", "Holi"},
		{"2025-08-16", "Janmashtami"},

		{"2026-03-04", "Holi"},
		{"2026-03-26", "Ram Navami"},
		{"2026-09-04", "Janmashtami"},

		{"2027-03-23", "Holi"},
		{"2027-04-15", "Ram Navami"},
		{"2027-08-25", "Janmashtami"},
	}
}
