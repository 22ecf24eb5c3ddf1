//! Delivery windows: the local hours a message may be sent in (`"09:00-17:00"`), checked in
//! the recipient's own time zone, so nobody is told about a change at 3 a.m.

use std::fmt;

use jiff::Timestamp;
use jiff::civil::Time;
use jiff::tz::TimeZone;

/// A daily window of local time, start inclusive and end exclusive. A window whose end is
/// before its start runs overnight (`"22:00-06:00"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    start: Time,
    end: Time,
}

/// Why a window was refused, in words a manifest diagnostic can show as is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("window {text:?} {problem}; write it as \"HH:MM-HH:MM\", e.g. \"09:00-17:00\"")]
pub struct WindowError {
    text: String,
    problem: &'static str,
}

impl Window {
    /// Reads `"HH:MM-HH:MM"` (24-hour clock).
    pub fn parse(text: &str) -> Result<Window, WindowError> {
        let refuse = |problem| WindowError {
            text: text.to_owned(),
            problem,
        };
        let (start, end) = text.split_once('-').ok_or_else(|| refuse("has no '-'"))?;
        let start =
            parse_time(start.trim()).ok_or_else(|| refuse("has a start that is not HH:MM"))?;
        let end = parse_time(end.trim()).ok_or_else(|| refuse("has an end that is not HH:MM"))?;
        if start == end {
            return Err(refuse("is empty (start and end are the same)"));
        }
        Ok(Window { start, end })
    }

    /// Whether `at` falls inside the window in `zone`'s local time.
    pub fn contains(&self, at: Timestamp, zone: &TimeZone) -> bool {
        let local = at.to_zoned_datetime(zone.clone()).time();
        if self.start < self.end {
            self.start <= local && local < self.end
        } else {
            local >= self.start || local < self.end
        }
    }

    /// The first instant at or after `at` that is inside the window in `zone`'s local time.
    /// When the opening falls in a daylight-saving gap, the first instant after the gap.
    pub fn next_opening(&self, at: Timestamp, zone: &TimeZone) -> Timestamp {
        if self.contains(at, zone) {
            return at;
        }
        let today = at.to_zoned_datetime(zone.clone()).date();
        let opening = |date: jiff::civil::Date| {
            date.to_datetime(self.start)
                .to_zoned_datetime(zone.clone())
                .map(|zoned| zoned.timestamp())
        };
        match opening(today) {
            Ok(start) if start > at => start,
            _ => today
                .tomorrow()
                .ok()
                .and_then(|tomorrow| opening(tomorrow).ok())
                // The end of representable time: nothing sensible is scheduled there.
                .unwrap_or(Timestamp::MAX),
        }
    }
}

impl fmt::Display for Window {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:02}:{:02}-{:02}:{:02}",
            self.start.hour(),
            self.start.minute(),
            self.end.hour(),
            self.end.minute()
        )
    }
}

/// `HH:MM` on a 24-hour clock, nothing else (no seconds, no `24:00`).
fn parse_time(text: &str) -> Option<Time> {
    let (hour, minute) = text.split_once(':')?;
    if hour.len() != 2 || minute.len() != 2 {
        return None;
    }
    Time::new(hour.parse().ok()?, minute.parse().ok()?, 0, 0).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn zone(name: &str) -> TimeZone {
        TimeZone::get(name).unwrap()
    }

    #[test]
    fn parses_and_prints_hh_mm_ranges() {
        assert_eq!(
            Window::parse("09:45-11:45").unwrap().to_string(),
            "09:45-11:45"
        );
        assert_eq!(
            Window::parse(" 22:00 - 06:00 ").unwrap().to_string(),
            "22:00-06:00"
        );
        for bad in [
            "9-17",
            "09:00",
            "09:00-09:00",
            "25:00-26:00",
            "09:60-10:00",
            "9:00-17:00",
        ] {
            let error = Window::parse(bad).unwrap_err().to_string();
            assert!(error.contains("HH:MM-HH:MM"), "{bad}: {error}");
        }
    }

    #[test]
    fn the_same_instant_is_inside_the_window_in_one_zone_and_outside_in_others() {
        let window = Window::parse("09:00-17:00").unwrap();
        // 14:00 UTC is 09:00 in New York (inside, start inclusive), 15:00 in Berlin
        // (inside) and 19:30 in Kolkata (outside).
        let instant = at("2026-12-10T14:00:00Z");
        assert!(window.contains(instant, &zone("America/New_York")));
        assert!(window.contains(instant, &zone("Europe/Berlin")));
        assert!(!window.contains(instant, &zone("Asia/Kolkata")));
        // 22:00 UTC is 17:00 in New York: the end is exclusive.
        assert!(!window.contains(at("2026-12-10T22:00:00Z"), &zone("America/New_York")));
    }

    #[test]
    fn the_next_opening_is_today_or_tomorrow_at_the_local_start() {
        let window = Window::parse("09:00-17:00").unwrap();
        let kolkata = zone("Asia/Kolkata");
        // 19:30 in Kolkata: tomorrow 09:00 local, 03:30 UTC.
        assert_eq!(
            window.next_opening(at("2026-12-10T14:00:00Z"), &kolkata),
            at("2026-12-11T03:30:00Z")
        );
        // 06:00 in New York: today 09:00 local.
        assert_eq!(
            window.next_opening(at("2026-12-10T11:00:00Z"), &zone("America/New_York")),
            at("2026-12-10T14:00:00Z")
        );
        // Inside: now.
        let inside = at("2026-12-10T10:00:00Z");
        assert_eq!(window.next_opening(inside, &zone("Europe/Berlin")), inside);
    }

    #[test]
    fn an_overnight_window_wraps_midnight() {
        let window = Window::parse("22:00-06:00").unwrap();
        let utc = TimeZone::UTC;
        assert!(window.contains(at("2026-12-10T23:00:00Z"), &utc));
        assert!(window.contains(at("2026-12-10T05:59:00Z"), &utc));
        assert!(!window.contains(at("2026-12-10T12:00:00Z"), &utc));
        assert_eq!(
            window.next_opening(at("2026-12-10T12:00:00Z"), &utc),
            at("2026-12-10T22:00:00Z")
        );
    }

    #[test]
    fn an_opening_in_a_daylight_saving_gap_moves_past_the_gap() {
        // Berlin skips 02:00-03:00 on 2026-03-29.
        let window = Window::parse("02:30-04:00").unwrap();
        let berlin = zone("Europe/Berlin");
        let opening = window.next_opening(at("2026-03-28T23:00:00Z"), &berlin);
        assert_eq!(
            opening,
            at("2026-03-29T01:30:00Z"),
            "03:30 local, after the gap"
        );
        assert!(window.contains(opening, &berlin));
    }
}
