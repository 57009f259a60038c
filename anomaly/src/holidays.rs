//! Hong Kong general holidays, as gazetted for 2025–2027 (the days that replace one falling
//! on a Sunday are the gazetted substitute days, e.g. 2026-04-07 "the day following Easter
//! Monday"). The policy can replace or extend the list.

use chrono::NaiveDate;

const HONG_KONG_GENERAL_HOLIDAYS: &[(&str, &str)] = &[
    ("2025-01-01", "The first day of January"),
    ("2025-01-29", "Lunar New Year's Day"),
    ("2025-01-30", "The second day of Lunar New Year"),
    ("2025-01-31", "The third day of Lunar New Year"),
    ("2025-04-04", "Ching Ming Festival"),
    ("2025-04-18", "Good Friday"),
    ("2025-04-19", "The day following Good Friday"),
    ("2025-04-21", "Easter Monday"),
    ("2025-05-01", "Labour Day"),
    ("2025-05-05", "The Birthday of the Buddha"),
    ("2025-05-31", "Tuen Ng Festival"),
    (
        "2025-07-01",
        "Hong Kong Special Administrative Region Establishment Day",
    ),
    ("2025-10-01", "National Day"),
    (
        "2025-10-07",
        "The day following the Chinese Mid-Autumn Festival",
    ),
    ("2025-10-29", "Chung Yeung Festival"),
    ("2025-12-25", "Christmas Day"),
    ("2025-12-26", "The first weekday after Christmas Day"),
    ("2026-01-01", "The first day of January"),
    ("2026-02-17", "Lunar New Year's Day"),
    ("2026-02-18", "The second day of Lunar New Year"),
    ("2026-02-19", "The third day of Lunar New Year"),
    ("2026-04-03", "Good Friday"),
    ("2026-04-04", "The day following Good Friday"),
    ("2026-04-06", "The day following Ching Ming Festival"),
    ("2026-04-07", "The day following Easter Monday"),
    ("2026-05-01", "Labour Day"),
    ("2026-05-25", "The day following the Birthday of the Buddha"),
    ("2026-06-19", "Tuen Ng Festival"),
    (
        "2026-07-01",
        "Hong Kong Special Administrative Region Establishment Day",
    ),
    (
        "2026-09-26",
        "The day following the Chinese Mid-Autumn Festival",
    ),
    ("2026-10-01", "National Day"),
    ("2026-10-19", "The day following Chung Yeung Festival"),
    ("2026-12-25", "Christmas Day"),
    ("2026-12-26", "The first weekday after Christmas Day"),
    ("2027-01-01", "The first day of January"),
    ("2027-02-06", "Lunar New Year's Day"),
    ("2027-02-08", "The third day of Lunar New Year"),
    ("2027-02-09", "The fourth day of Lunar New Year"),
    ("2027-03-26", "Good Friday"),
    ("2027-03-27", "The day following Good Friday"),
    ("2027-03-29", "Easter Monday"),
    ("2027-04-05", "Ching Ming Festival"),
    ("2027-05-01", "Labour Day"),
    ("2027-05-13", "The Birthday of the Buddha"),
    ("2027-06-09", "Tuen Ng Festival"),
    (
        "2027-07-01",
        "Hong Kong Special Administrative Region Establishment Day",
    ),
    (
        "2027-09-16",
        "The day following the Chinese Mid-Autumn Festival",
    ),
    ("2027-10-01", "National Day"),
    ("2027-10-08", "Chung Yeung Festival"),
    ("2027-12-25", "Christmas Day"),
    ("2027-12-27", "The first weekday after Christmas Day"),
];

/// The default holiday list: date and gazetted name.
pub fn hong_kong_holidays() -> Vec<(NaiveDate, String)> {
    HONG_KONG_GENERAL_HOLIDAYS
        .iter()
        .map(|(date, name)| {
            let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").expect("valid built-in date");
            (date, (*name).to_string())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Datelike;

    #[test]
    fn seventeen_general_holidays_a_year_none_on_sunday() {
        let days = hong_kong_holidays();
        for year in 2025..=2027 {
            let in_year: Vec<_> = days.iter().filter(|(d, _)| d.year() == year).collect();
            assert_eq!(in_year.len(), 17, "{year}");
            assert!(in_year
                .iter()
                .all(|(d, _)| d.weekday() != chrono::Weekday::Sun));
        }
    }
}
