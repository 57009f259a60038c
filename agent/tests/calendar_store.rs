//! The calendar and reminders in the service's database: on SQLite always, and on
//! PostgreSQL too when `MISHU_TEST_POSTGRES_URL` names a server (a role that may create
//! databases), as the service tests do.

mod common;

use common::postgres_database;

use agent::calendar::{conflicts, ics};
use agent::store::events::{EventAttendee, EventPatch, NewEvent};
use agent::store::reminders::NewReminder;
use agent::store::tasks::Origin;
use agent::store::{Store, StoreError};

/// A fresh database on every backend under test, each with the directory it lives in.
async fn stores() -> Vec<(&'static str, Store, tempfile::TempDir)> {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = Store::open(&Store::default_url(dir.path())).await.unwrap();
    let mut out = vec![("sqlite", sqlite, dir)];
    let dir = tempfile::tempdir().unwrap();
    if let Some(url) = postgres_database(dir.path()) {
        let pg = Store::open(&url).await.expect("PostgreSQL database opens");
        out.push(("postgres", pg, dir));
    }
    out
}

fn person(id: &str, name: &str) -> EventAttendee {
    EventAttendee {
        id: id.into(),
        name: name.into(),
        email: Some(format!("{id}@example.com")),
    }
}

fn weekly_review() -> NewEvent {
    NewEvent {
        title: "預算檢討".into(),
        start: "2026-11-25T14:00:00+08:00".into(),
        end: "2026-11-25T15:00:00+08:00".into(),
        all_day: false,
        location: Some("會議室 A".into()),
        rrule: Some("FREQ=WEEKLY;BYDAY=WE;COUNT=4".into()),
        tz: "Asia/Hong_Kong".into(),
        attendees: vec![person("p001", "Chan Tai Man"), person("p002", "Amy Wong")],
        departments: vec!["finance".into()],
        origin: Origin::Command,
        source_text: Some("每週三下午兩點同財務部開預算檢討".into()),
        created_by: Some("tok_admin".into()),
    }
}

#[tokio::test]
async fn events_are_stored_listed_patched_and_deleted() {
    for (backend, store, _dir) in stores().await {
        let e = store.create_event(&weekly_review()).await.unwrap();
        assert_eq!(
            store.event(&e.id).await.unwrap().as_ref(),
            Some(&e),
            "{backend}"
        );
        // Four Wednesdays; the range holds the middle two.
        let got = store
            .occurrences(
                "2026-12-01T00:00:00+08:00",
                "2026-12-10T00:00:00+08:00",
                None,
            )
            .await
            .unwrap();
        let starts: Vec<&str> = got.iter().map(|o| o.start.as_str()).collect();
        assert_eq!(
            starts,
            ["2026-12-02T14:00:00+08:00", "2026-12-09T14:00:00+08:00"],
            "{backend}"
        );
        assert_eq!(got[0].event.attendees.len(), 2, "{backend}");
        // After the fourth, nothing.
        let after = store
            .occurrences(
                "2026-12-17T00:00:00+08:00",
                "2027-12-31T00:00:00+08:00",
                None,
            )
            .await
            .unwrap();
        assert!(after.is_empty(), "{backend}: {after:?}");
        // A person's events, and only theirs.
        let other = store
            .create_event(&NewEvent {
                title: "IT sync".into(),
                rrule: None,
                attendees: vec![person("p003", "Lee Siu Ming")],
                ..weekly_review()
            })
            .await
            .unwrap();
        let amy = store.events_of("p002").await.unwrap();
        assert_eq!(
            amy.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(),
            [e.id.as_str()],
            "{backend}"
        );
        let lee = store
            .occurrences(
                "2026-11-25T00:00:00+08:00",
                "2026-11-26T00:00:00+08:00",
                Some("p003"),
            )
            .await
            .unwrap();
        assert_eq!(lee.len(), 1, "{backend}");
        assert_eq!(lee[0].event.id, other.id, "{backend}");

        // Moving it an hour later and inviting someone else.
        let patch = EventPatch {
            start: Some("2026-11-25T15:00:00+08:00".into()),
            end: Some("2026-11-25T16:00:00+08:00".into()),
            attendees: Some(vec![person("p003", "Lee Siu Ming")]),
            ..Default::default()
        };
        let moved = store.patch_event(&e.id, &patch).await.unwrap().unwrap();
        assert_eq!(moved.start, "2026-11-25T15:00:00+08:00", "{backend}");
        assert_eq!(moved.attendees.len(), 1, "{backend}");
        assert!(
            store.events_of("p002").await.unwrap().is_empty(),
            "{backend}"
        );
        assert_eq!(store.events_of("p003").await.unwrap().len(), 2, "{backend}");

        // A patch with a bad rule is refused whole.
        let bad = EventPatch {
            title: Some("Renamed".into()),
            rrule: Some(Some("FREQ=HOURLY".into())),
            ..Default::default()
        };
        let err = store.patch_event(&e.id, &bad).await.unwrap_err();
        assert!(matches!(err, StoreError::Invalid(_)), "{backend}: {err}");
        assert_eq!(
            store.event(&e.id).await.unwrap().unwrap().title,
            "預算檢討",
            "{backend}"
        );

        assert!(store.delete_event(&e.id).await.unwrap(), "{backend}");
        assert!(store.event(&e.id).await.unwrap().is_none(), "{backend}");
        assert_eq!(store.events_of("p003").await.unwrap().len(), 1, "{backend}");
        store.close().await;
    }
}

#[tokio::test]
async fn a_recurring_clash_is_found_and_the_feed_parses() {
    for (backend, store, _dir) in stores().await {
        let series = store
            .create_event(&NewEvent {
                rrule: Some("FREQ=WEEKLY;BYDAY=WE".into()),
                ..weekly_review()
            })
            .await
            .unwrap();
        let found = conflicts::find(
            &store,
            "2027-01-13T14:30:00+08:00",
            "2027-01-13T15:30:00+08:00",
            None,
            &["p001".to_string()],
            None,
        )
        .await
        .unwrap();
        assert_eq!(found.len(), 1, "{backend}");
        assert_eq!(found[0].event_id, series.id, "{backend}");
        assert_eq!(found[0].start, "2027-01-13T14:00:00+08:00", "{backend}");

        let feed = ics::calendar_ics("Amy Wong", &store.events_of("p002").await.unwrap());
        let cal: icalendar::Calendar = feed.parse().expect("the feed parses");
        use icalendar::Component;
        let uids: Vec<&str> = cal.events().filter_map(|e| e.get_uid()).collect();
        assert_eq!(uids, [format!("{}@mishu", series.id)], "{backend}");
        store.close().await;
    }
}

#[tokio::test]
async fn reminders_fire_once_across_nodes() {
    for (backend, store, _dir) in stores().await {
        let r = store
            .create_reminder(&NewReminder {
                title: "Call the landlord".into(),
                at: "2026-11-27T09:00:00+08:00".into(),
                person: Some("p001".into()),
                origin: Origin::Command,
                source_text: None,
                created_by: None,
                rrule: None,
                tz: "Asia/Hong_Kong".into(),
            })
            .await
            .unwrap();
        assert!(store
            .due_reminders("2026-11-27T00:59:00Z")
            .await
            .unwrap()
            .is_empty());
        assert_eq!(
            store
                .due_reminders("2026-11-27T09:00:00+08:00")
                .await
                .unwrap()
                .len(),
            1,
            "{backend}"
        );
        // Two nodes race to fire it: exactly one wins.
        let (a, b) = tokio::join!(
            store.mark_reminder_fired(&r.id),
            store.mark_reminder_fired(&r.id)
        );
        assert!(a.unwrap() ^ b.unwrap(), "{backend}: exactly one fires it");
        assert_eq!(
            store
                .reminders(Some("fired"), Some("p001"))
                .await
                .unwrap()
                .len(),
            1,
            "{backend}"
        );
        assert!(store
            .due_reminders("2026-12-01T00:00:00Z")
            .await
            .unwrap()
            .is_empty());
        store.close().await;
    }
}

/// The same event asked for at once by two users of one database — the service and a
/// command line beside it, or two service nodes on PostgreSQL: each has its own
/// connections, and one event is stored; the other answer names it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_same_event_asked_for_at_once_through_two_connections_is_stored_once() {
    use agent::calendar::save::{save_unless_duplicate, SaveOptions};
    use agent::instructions::Understood;

    let sqlite_dir = tempfile::tempdir().unwrap();
    let pg_dir = tempfile::tempdir().unwrap();
    let mut urls = vec![("sqlite", Store::default_url(sqlite_dir.path()))];
    if let Some(url) = postgres_database(pg_dir.path()) {
        urls.push(("postgres", url));
    }
    let u: Understood = serde_json::from_value(serde_json::json!({
        "intent": "create_event", "title": "Budget review with finance",
        "start": "2026-11-25T14:00:00+08:00", "end": "2026-11-25T15:00:00+08:00",
        "all_day": false, "due": null, "assignee": null,
        "attendees": [{"id": "p001", "name": "Chan Tai Man"}],
        "departments": [], "location": null, "recurrence": null,
        "transcript": "Set up a budget review with Chan Tai Man on Wednesday at 2pm",
        "conflicts": [], "reason": null, "ambiguous": []}))
    .unwrap();
    for (backend, url) in urls {
        let users = [
            Store::open(&url).await.unwrap(),
            Store::open(&url).await.unwrap(),
        ];
        let asks: Vec<_> = (0..6)
            .map(|i| {
                let (store, u) = (users[i % 2].clone(), u.clone());
                tokio::spawn(async move {
                    let options = SaveOptions::new("Asia/Hong_Kong", Origin::Command);
                    save_unless_duplicate(&store, &u, &options).await.unwrap()
                })
            })
            .collect();
        let mut outcomes = Vec::new();
        for ask in asks {
            outcomes.push(ask.await.unwrap());
        }
        let stored: Vec<String> = outcomes
            .iter()
            .filter_map(|o| o.saved.as_ref().map(|s| s.id.clone()))
            .collect();
        assert_eq!(stored.len(), 1, "{backend}: {outcomes:?}");
        for o in outcomes.iter().filter(|o| o.saved.is_none()) {
            assert_eq!(o.duplicate_of.as_ref().unwrap().id, stored[0], "{backend}");
        }
        let all = users[0]
            .occurrences("2026-11-25T00:00:00Z", "2026-11-26T00:00:00Z", None)
            .await
            .unwrap();
        assert_eq!(all.len(), 1, "{backend}");
    }
}
