package calendar

// india lists the 14 holidays every administrative office of India's
// Central Government observes, wherever it is (para 2 of the Department of
// Personnel and Training's yearly Office Memorandum "Holidays to be
// observed in Central Government Offices during the year ..."; dates from
// its Annexure-I):
//
//   - 2025: DoPT O.M. issued in 2024 for the year 2025;
//   - 2026: DoPT O.M. dated 3 July 2025 for the year 2026.
//   - 2027: not covered. DoPT's O.M. for 2027 (reported as F.No.
//     12/2/2023-JCA of 16 July 2026) could not be read when this was
//     checked (2026-11-21): no copy of its Annexure-I could be opened,
//     and the one full transcription found had no second copy to confirm
//     it. A date in 2027 is therefore an error (ErrNoHolidayData) for IN
//     and IN-DL until the O.M.'s dates are copied here.
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
	}
}
