//! The calendar over HTTP: occurrences in a range, one event as JSON or iCalendar, its
//! changes, and each person's subscription feed.
//!
//! Every role reads the calendar (it is the office's shared calendar); an event is
//! changed or deleted by admin, a manager, or the token that created it. A person's feed
//! (`/v1/calendars/{person}.ics`) opens with any bearer token, or — for calendar apps,
//! which cannot send headers — with the feed token in its URL, which reads that one
//! person's feed and nothing else.

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, FixedOffset};
use serde::Deserialize;
use serde_json::{json, Value};

use super::auth::{optional_principal, Principal, Role};
use super::errors::{ApiError, JsonBody};
use super::tasks::present;
use super::AppState;
use crate::calendar::{conflicts, ics};
use crate::store::events::{Event, EventAttendee, EventPatch};

/// The longest range one listing expands, in days.
pub const MAX_RANGE_DAYS: i64 = 366;

const CALENDAR_TYPE: &str = "text/calendar; charset=utf-8";

#[derive(Debug, Deserialize)]
pub struct RangeParams {
    pub from: Option<String>,
    pub to: Option<String>,
    /// Only events this directory person attends.
    pub attendee: Option<String>,
}

/// `GET /v1/events?from=&to=&attendee=` (any role): every occurrence overlapping
/// [from, to), recurrences expanded, sorted by start.
pub async fn list(
    State(state): State<AppState>,
    _principal: Principal,
    Query(params): Query<RangeParams>,
) -> Result<Json<Value>, ApiError> {
    let from = required_time("from", params.from.as_deref())?;
    let to = required_time("to", params.to.as_deref())?;
    if to <= from {
        return Err(ApiError::bad_request(
            "invalid_field",
            "to: must be after from",
        ));
    }
    if (to - from).num_days() > MAX_RANGE_DAYS {
        return Err(ApiError::bad_request(
            "invalid_field",
            format!("to: a range is at most {MAX_RANGE_DAYS} days"),
        ));
    }
    let occurrences = state
        .store
        .occurrences(
            &from.to_rfc3339(),
            &to.to_rfc3339(),
            params.attendee.as_deref(),
        )
        .await?;
    Ok(Json(json!({ "occurrences": occurrences })))
}

fn required_time(field: &str, value: Option<&str>) -> Result<DateTime<FixedOffset>, ApiError> {
    let value = value.ok_or_else(|| {
        ApiError::bad_request(
            "invalid_field",
            format!("{field}: required (RFC 3339, e.g. 2026-11-23T00:00:00+08:00)"),
        )
    })?;
    parse_time(field, value)
}

fn parse_time(field: &str, value: &str) -> Result<DateTime<FixedOffset>, ApiError> {
    DateTime::parse_from_rfc3339(value.trim()).map_err(|e| {
        ApiError::bad_request(
            "invalid_field",
            format!("{field}: {value:?} is not an RFC 3339 time ({e})"),
        )
    })
}

async fn stored_event(state: &AppState, id: &str) -> Result<Event, ApiError> {
    state
        .store
        .event(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no event {id:?}")))
}

/// `GET /v1/events/{id}` (any role) as JSON, and `GET /v1/events/{id}.ics` as
/// iCalendar (one route: a path segment cannot end in a literal after a parameter).
pub async fn get(
    State(state): State<AppState>,
    _principal: Principal,
    Path(segment): Path<String>,
) -> Result<Response, ApiError> {
    match segment.strip_suffix(".ics") {
        Some(id) => {
            let event = stored_event(&state, id).await?;
            Ok(calendar_response(ics::event_ics(&event)))
        }
        None => Ok(Json(stored_event(&state, &segment).await?).into_response()),
    }
}

fn calendar_response(body: String) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(CALENDAR_TYPE),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        body,
    )
        .into_response()
}

/// A change to an event; absent fields stay, `null` clears `location` and `rrule`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatchBody {
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    start: Option<String>,
    #[serde(default)]
    end: Option<String>,
    #[serde(default, deserialize_with = "present")]
    location: Option<Option<String>>,
    /// An RFC 5545 RRULE (`FREQ=WEEKLY;BYDAY=WE`), or `null` for a single event.
    #[serde(default, deserialize_with = "present")]
    rrule: Option<Option<String>>,
    /// Directory person ids: the new list of attendees.
    #[serde(default)]
    attendees: Option<Vec<String>>,
}

fn may_change(principal: &Principal, event: &Event) -> Result<(), ApiError> {
    let own = event.created_by.as_deref() == Some(principal.token_id.as_str());
    if own || matches!(principal.role, Role::Admin | Role::Manager) {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "an event is changed by admin, a manager, or the token that created it",
        ))
    }
}

/// `PATCH /v1/events/{id}` (admin, manager, its creator): the event as changed, with the
/// `conflicts` its new time or people have.
pub async fn patch(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<PatchBody>,
) -> Result<Json<Value>, ApiError> {
    let event = stored_event(&state, &id).await?;
    may_change(&principal, &event)?;
    let patch = event_patch(&state, &event, body)?;
    let event = state
        .store
        .patch_event(&id, &patch)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no event {id:?}")))?;
    let people: Vec<String> = event.attendees.iter().map(|a| a.id.clone()).collect();
    let clashes = conflicts::find_in(
        &state.store,
        &conflicts::Proposed {
            start: &event.start,
            end: &event.end,
            rrule: event.rrule.as_deref(),
            tz: &event.tz,
            attendee_ids: &people,
            exclude_event: Some(&event.id),
        },
    )
    .await?;
    let mut doc = serde_json::to_value(&event).map_err(ApiError::internal)?;
    doc["conflicts"] = serde_json::to_value(&clashes).map_err(ApiError::internal)?;
    Ok(Json(doc))
}

fn event_patch(state: &AppState, event: &Event, body: PatchBody) -> Result<EventPatch, ApiError> {
    let bad = |message: String| ApiError::bad_request("invalid_field", message);
    let mut patch = EventPatch::default();
    if let Some(title) = body.title {
        let title = title.trim();
        if title.is_empty() {
            return Err(bad("title: must not be empty".into()));
        }
        patch.title = Some(title.to_string());
    }
    let start = match &body.start {
        Some(s) => parse_time("start", s)?,
        None => parse_time("start", &event.start)?,
    };
    let end = match &body.end {
        Some(s) => parse_time("end", s)?,
        // A new start alone moves the event and keeps its length.
        None => start + (parse_time("end", &event.end)? - parse_time("start", &event.start)?),
    };
    if end <= start {
        return Err(bad(format!(
            "end: {} is not after start {}",
            end.to_rfc3339(),
            start.to_rfc3339()
        )));
    }
    patch.start = body.start.map(|_| start.to_rfc3339());
    patch.end = body.end.map(|_| end.to_rfc3339());
    patch.location = body
        .location
        .map(|l| l.map(|l| l.trim().to_string()).filter(|l| !l.is_empty()));
    if let Some(rrule) = body.rrule {
        patch.rrule = Some(match rrule {
            None => None,
            Some(rule) => Some(check_rrule(&rule, start, &event.tz)?),
        });
    }
    if let Some(ids) = body.attendees {
        let directory = state.directory.get();
        let mut attendees = Vec::with_capacity(ids.len());
        for (i, id) in ids.iter().enumerate() {
            let person = directory.person(id.trim()).ok_or_else(|| {
                bad(format!(
                    "attendees[{i}]: {id:?} is not a person in the directory"
                ))
            })?;
            if attendees.iter().any(|a: &EventAttendee| a.id == person.id) {
                continue;
            }
            attendees.push(EventAttendee {
                id: person.id.clone(),
                name: person.name.clone(),
                email: person.email.clone(),
            });
        }
        patch.attendees = Some(attendees);
    }
    Ok(patch)
}

/// `DELETE /v1/events/{id}` (admin, manager, its creator): 204.
pub async fn delete(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let event = stored_event(&state, &id).await?;
    may_change(&principal, &event)?;
    if !state.store.delete_event(&id).await? {
        return Err(ApiError::not_found(format!("no event {id:?}")));
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /v1/calendars/{person}/feed-token` (any role: the calendar is readable by
/// every role anyway): a new subscription URL for a directory person's feed, replacing
/// the previous one. `201 {"person", "url", "path", "created_at"}`; the secret is in
/// the URL and is not shown again.
pub async fn create_feed_token(
    State(state): State<AppState>,
    principal: Principal,
    Path(person): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if state.directory.get().person(&person).is_none() {
        return Err(ApiError::not_found(format!(
            "no person {person:?} in the directory"
        )));
    }
    let token = state
        .store
        .create_feed_token(&person, Some(&principal.token_id))
        .await?;
    let path = format!(
        "/v1/calendars/{}.ics?token={}",
        utf8_percent(&person),
        token.secret
    );
    let base = match &state.config.public_url {
        Some(url) => url.trim_end_matches('/').to_string(),
        None => {
            let host = headers
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .unwrap_or("127.0.0.1");
            format!("http://{host}")
        }
    };
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "person": person,
            "url": format!("{base}{path}"),
            "path": path,
            "created_at": token.created_at,
        })),
    )
        .into_response())
}

#[derive(Debug, Deserialize)]
pub struct FeedParams {
    pub token: Option<String>,
}

/// `GET /v1/calendars/{person}.ics?token=…`: every event the person attends, as one
/// iCalendar (recurring ones with their RRULE). The feed token of that person, or any
/// bearer token.
pub async fn feed(
    State(state): State<AppState>,
    Path(file): Path<String>,
    Query(params): Query<FeedParams>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let person = file
        .strip_suffix(".ics")
        .ok_or_else(|| ApiError::not_found(format!("no calendar {file:?} (ask for PERSON.ics)")))?;
    match params.token.as_deref() {
        Some(secret) => match state.store.feed_person(secret).await? {
            None => return Err(ApiError::unauthorized("the feed token is not valid")),
            Some(owner) if owner != person => {
                return Err(ApiError::forbidden(
                    "this feed token opens another person's calendar",
                ))
            }
            Some(_) => {}
        },
        None => {
            optional_principal(&headers, &state).await?.ok_or_else(|| {
                ApiError::unauthorized(
                    "send the feed URL's ?token=… (POST /v1/calendars/{person}/feed-token) \
                     or `Authorization: Bearer <token>`",
                )
            })?;
        }
    }
    let events = state.store.events_of(person).await?;
    let name = state
        .directory
        .get()
        .person(person)
        .map_or_else(|| person.to_string(), |p| p.name.clone());
    Ok(calendar_response(ics::calendar_ics(
        &format!("{name} (mishu)"),
        &events,
    )))
}

/// Percent-encodes what is not safe in a path segment.
fn utf8_percent(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A recurrence rule the calendar can expand from `start` in the event's zone.
fn check_rrule(rule: &str, start: DateTime<FixedOffset>, tz: &str) -> Result<String, ApiError> {
    let zone: chrono_tz::Tz = tz
        .parse()
        .map_err(|_| ApiError::internal(format!("stored event zone {tz:?}")))?;
    crate::calendar::recurrence::normalize(rule, start.with_timezone(&zone))
        .map_err(|e| ApiError::bad_request("invalid_field", format!("rrule: {e}")))
}
