//! The parts of a command a hint tells the user to run, so every hint is complete enough to
//! copy: the workspace folder (left out when it is the current one) and the orgs.

use std::path::Path;

use roster_plan::shell_word;

/// ` DIR --org A --org B` for a command line: `dir` unless it is `.`, quoted for a shell
/// when it holds anything but plain path characters, then one `--org` per org.
pub fn selection<'o>(dir: &Path, orgs: impl IntoIterator<Item = &'o str>) -> String {
    let mut words = String::new();
    if dir != Path::new(".") {
        words.push(' ');
        words.push_str(&shell_word(&dir.display().to_string()));
    }
    for org in orgs {
        words.push_str(" --org ");
        words.push_str(&shell_word(org));
    }
    words
}

/// ` FLAG VALUE`, the value quoted for a shell when it needs it.
pub fn flag(flag: &str, value: &str) -> String {
    format!(" {flag} {}", shell_word(value))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::selection;

    #[test]
    fn the_current_folder_is_left_out_and_others_are_quoted_when_needed() {
        assert_eq!(selection(Path::new("."), ["prod"]), " --org prod");
        assert_eq!(selection(Path::new("repo/acme"), []), " repo/acme");
        assert_eq!(
            selection(Path::new("my repo"), ["a", "b"]),
            " 'my repo' --org a --org b"
        );
        assert_eq!(selection(Path::new("it's"), []), r" 'it'\''s'");
    }
}
