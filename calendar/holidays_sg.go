package calendar

// singapore lists Singapore's gazetted public holidays as the Ministry of
// Manpower announced them (https://www.mom.gov.sg/employment-practices/public-holidays):
//
//   - 2025: MOM list released in 2024, with Polling Day (General Election,
//     2025-05-03) added when it was declared a public holiday.
//   - 2026: MOM press release of 16 June 2025, "Public holidays for 2026";
//     Hari Raya Puasa and Hari Raya Haji as announced, subject to MUIS
//     confirmation.
//   - 2027: MOM press release of 18 June 2026, "Public holidays for 2027"
//     (https://www.mom.gov.sg/newsroom/press-releases/2026/0618-public-holidays-for-2027).
//     The MOM page itself could not be opened when these rows were added
//     (2026-11-21); the dates are the ones several independent copies of
//     that release agree on, each citing it. Checked again on 2026-12-07
//     against the python-holidays library (github.com/vacanza/holidays,
//     commit b3277e19 of 19 June 2026, "add 2027 public holidays", from
//     MOM's page as archived on 18 June 2026): the same eleven days and
//     the same Monday in lieu. Re-check against MOM's public-holidays page
//     for any later revision.
//
// Hari Raya Puasa and Hari Raya Haji follow the Islamic calendar: MUIS
// fixes them in advance by astronomical calculation and MOM gazettes those
// dates, so the rows are the gazetted dates (2027: Puasa Wednesday 10
// March, Haji Monday 17 May), not a moon sighting's. Puasa 2027 is 10
// March, not the 9th some calendars give: the new moon falls on 8 March,
// only hours before sunset in Singapore, so that evening the crescent is below
// the altitude and elongation MUIS's criterion needs and Ramadan runs 30
// days; Saudi Arabia's Umm al-Qura calendar, which asks only that the
// moon set after the sun, starts Syawal on the 9th. A later change by
// MUIS/MOM must be applied here (or given as a contract closure).
//
// Rows are the holidays' own dates. Holidays Act 1998 s 4(2): when a
// holiday falls on a Sunday the next day is a public holiday; newTable
// adds those days (2026: Vesak Day 31 May -> 1 June, National Day 9 August
// -> 10 August, Deepavali 8 November -> 9 November; 2027: the second day
// of Chinese New Year, 7 February -> 8 February), so they are not rows.
// A holiday on a Saturday has no weekday in lieu (2027: Chinese New Year's
// first day, Labour Day, Christmas Day).
//
// To add a year: copy MOM's list for it, add the rows and move the region's
// last year in regions(); check any later revision (MOM has moved Hari
// Raya and Vesak dates after announcing them, as in 2022 and 2023).
func singapore() []holiday {
	return []holiday{
		{"2025-01-01", "New Year's Day"},
		{"2025-01-29", "Chinese New Year"},
		{"2025-01-30", "Chinese New Year"},
		{"2025-03-31", "Hari Raya Puasa"},
		{"2025-04-18", "Good Friday"},
		{"2025-05-01", "Labour Day"},
		{"2025-05-03", "Polling Day"},
		{"2025-05-12", "Vesak Day"},
		{"2025-06-07", "Hari Raya Haji"},
		{"2025-08-09", "National Day"},
		{"2025-10-20", "Deepavali"},
		{"2025-12-25", "Christmas Day"},

		{"2026-01-01", "New Year's Day"},
		{"2026-02-17", "Chinese New Year"},
		{"2026-02-18", "Chinese New Year"},
		{"2026-03-21", "Hari Raya Puasa"},
		{"2026-04-03", "Good Friday"},
		{"2026-05-01", "Labour Day"},
		{"2026-05-27", "Hari Raya Haji"},
		{"2026-05-31", "Vesak Day"},
		{"2026-08-09", "National Day"},
		{"2026-11-08", "Deepavali"},
		{"2026-12-25", "Christmas Day"},

		{"2027-01-01", "New Year's Day"},
		{"2027-02-06", "Chinese New Year"},
		{"2027-02-07", "Chinese New Year"},
		{"2027-03-10", "Hari Raya Puasa"},
		{"2027-03-26", "Good Friday"},
		{"2027-05-01", "Labour Day"},
		{"2027-05-17", "Hari Raya Haji"},
		{"2027-05-20", "Vesak Day"},
		{"2027-08-09", "National Day"},
		{"2027-10-28", "Deepavali"},
		{"2027-12-25", "Christmas Day"},
	}
}
