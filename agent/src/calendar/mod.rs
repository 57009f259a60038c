//! The calendar's logic: recurrence rules expanded in an event's zone ([`recurrence`]),
//! iCalendar export ([`ics`]), double-booking checks ([`conflicts`]) and the one entry
//! point that stores what an instruction was understood as ([`save`]). The rows
//! themselves live in `store::events` and `store::reminders`.

pub mod conflicts;
pub mod duplicates;
pub mod ics;
pub mod recurrence;
pub mod save;
