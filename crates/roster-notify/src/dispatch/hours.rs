//! A stand-in for `crate::window::Window` (written by another change, not merged yet): the
//! same three calls, `parse`, `contains` and `next_opening`, over `HH:MM-HH:MM` in the
//! recipient's local time. Once `window.rs` is merged, this file goes and the dispatcher
//! imports `crate::window::Window` instead.

use std::fmt;

use jiff::Timestamp;
use jiff::civil::Time;
use jiff::tz::TimeZone;

/// Working hours: from `start` (included) to `end` (excluded), local time; a window whose end
/// is before its start runs over midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Window {
    start: Time,
    end: Time,
}

/// A window that is not `HH:MM-HH:MM`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WindowError(String);

impl fmt::Display for WindowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "window `{}` is not `HH:MM-HH:MM`", self.0)
    }
}

impl Window {
    pub(crate) fn parse(text: &str) -> Result<Window, WindowError> {
        let error = || WindowError(text.to_owned());
        let (start, end) = text.split_once('-').ok_or_else(error)?;
        let time = |part: &str| -> Option<Time> {
            let (hour, minute) = part.trim().split_once(':')?;
            Time::new(hour.parse().ok()?, minute.parse().ok()?, 0, 0).ok()
        };
        let (start, end) = (time(start).ok_or_else(error)?, time(end).ok_or_else(error)?);
        if start == end {
            return Err(error());
        }
        Ok(Window { start, end })
    }

    pub(crate) fn contains(&self, now: Timestamp, zone: &TimeZone) -> bool {
        let local = now.to_zoned_datetime(zone.clone()).time();
        if self.start < self.end {
            self.start <= local && local < self.end
        } else {
            local >= self.start || local < self.end
        }
    }

    /// The next instant at or after `now` when the window opens (the next local `start`).
    pub(crate) fn next_opening(&self, now: Timestamp, zone: &TimeZone) -> Timestamp {
        let local = now.to_zoned_datetime(zone.clone());
        let mut date = local.date();
        if local.time() > self.start {
            date = date.tomorrow().unwrap_or(date);
        }
        date.to_datetime(self.start)
            .to_zoned_datetime(zone.clone())
            .map_or(now, |opening| opening.timestamp())
    }
}
