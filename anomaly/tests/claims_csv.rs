//! The claims file: good rows survive bad ones, and every rejection names line and field.

use anomaly::{read_claims, Category, Policy};

const HEADER: &str = "claim_id,employee_id,department,category,merchant,amount,currency,expense_date,submitted_at,description,invoice_no,attendees,label\n";

fn read(text: &str) -> anomaly::ClaimsRead {
    read_claims(text.as_bytes(), &Policy::default()).unwrap()
}

#[test]
fn chinese_text_quoted_fields_and_extra_columns() {
    let text = format!(
        "{HEADER}C1,E1,finance,meals,\"翠華餐廳, 中環\",\"1,234.50\",HKD,2026-09-01,2026-09-02T10:00:00+08:00,\"客戶午餐 \"\"VIP\"\"\",INV-1,3,DUPLICATE\n\
         C2,E2,sales,taxi,的士,88,,2026-09-01,2026-09-01 22:10:00,,,,normal\n"
    );
    let read = read(&text);
    assert!(read.rejected.is_empty(), "{:?}", read.rejected);
    let c = &read.claims[0];
    assert_eq!(c.merchant, "翠華餐廳, 中環");
    assert_eq!(c.amount, 1234.5);
    assert_eq!(c.description, "客戶午餐 \"VIP\"");
    assert_eq!(c.attendees, Some(3));
    assert_eq!(read.claims[1].currency, "HKD");
    assert_eq!(read.claims[1].category, Category::Taxi);
    assert_eq!(
        read.claims[1].submitted_at.to_rfc3339(),
        "2026-09-01T22:10:00+08:00"
    );
}

#[test]
fn a_missing_column_is_an_error_naming_it() {
    let text = "claim_id,employee_id,department,category,merchant,expense_date,submitted_at\nC1,E1,f,meals,x,2026-01-01,2026-01-02\n";
    let err = read_claims(text.as_bytes(), &Policy::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("amount"), "{err}");
}

#[test]
fn bad_rows_are_rejected_with_line_and_field_and_good_rows_kept() {
    let text = format!(
        "{HEADER}C1,E1,finance,meals,Tai Hing,-12.00,HKD,2026-09-01,2026-09-02T10:00:00+08:00,,,,\n\
         C2,E1,finance,meals,Tai Hing,80,HKD,2026-13-01,2026-09-02T10:00:00+08:00,,,,\n\
         C3,E1,finance,meals,Tai Hing,80,XYZ,2026-09-01,2026-09-02T10:00:00+08:00,,,,\n\
         C4,E1,finance,meals,Tai Hing,80,HKD,2026-09-01,2026-09-02T10:00:00+08:00,,,,\n\
         C5,E1,finance,lunch,Tai Hing,80,HKD,2026-09-01,2026-09-02T10:00:00+08:00,,,,\n\
         C6,E1,finance,meals,Tai Hing,80,HKD,2026-09-01,yesterday,,,,\n"
    );
    let read = read(&text);
    assert_eq!(read.claims.len(), 1);
    assert_eq!(read.claims[0].claim_id, "C4");
    let got: Vec<(u64, &str)> = read
        .rejected
        .iter()
        .map(|r| (r.line, r.field.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (2, "amount"),
            (3, "expense_date"),
            (4, "currency"),
            (6, "category"),
            (7, "submitted_at")
        ]
    );
    assert!(read.rejected[0].message.contains("negative"));
    assert!(read.rejected[2].message.contains("XYZ"));
    assert!(read.rejected[0]
        .to_string()
        .starts_with("line 2, field amount"));
}

#[test]
fn a_fifty_megabyte_line_is_rejected_without_losing_the_rest() {
    let mut text = String::from(HEADER);
    text.push_str("C1,E1,finance,meals,Tai Hing,80,HKD,2026-09-01,2026-09-02T10:00:00+08:00,");
    text.push_str(&"很長".repeat(50 * 1024 * 1024 / 6));
    text.push_str(",,,\n");
    text.push_str(
        "C2,E1,finance,meals,Tai Hing,80,HKD,2026-09-01,2026-09-02T10:00:00+08:00,ok,,,\n",
    );
    assert!(text.len() > 50_000_000);
    let read = read(&text);
    assert_eq!(read.claims.len(), 1);
    assert_eq!(read.claims[0].claim_id, "C2");
    assert_eq!(read.rejected.len(), 1);
    assert_eq!(
        (read.rejected[0].line, read.rejected[0].field.as_str()),
        (2, "description")
    );
}

#[test]
fn garbage_never_panics() {
    for text in [
        "",
        "\u{feff}",
        "a,b\n1,2\n",
        "\"unterminated\n",
        &"x".repeat(10_000),
        "claim_id\n\u{0}\u{1}\n",
    ] {
        let _ = read_claims(text.as_bytes(), &Policy::default());
    }
    let bytes: &[u8] = &[0xff, 0xfe, 0x00, b'\n', 0xc3, 0x28];
    let _ = read_claims(bytes, &Policy::default());
}
