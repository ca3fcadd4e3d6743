//! opencode's plugin file, `plugin/island.js` in its config folder: a file
//! that is Island's alone (see `opencode_plugin.js`). Setup writes it with
//! the program the plugin runs, an update rewrites it, and undo takes it
//! out; a file of that name that is not Island's is refused.

use super::{Outcome, Problem};

const TEMPLATE: &str = include_str!("opencode_plugin.js");

/// What marks the file as Island's.
const MARK: &str = "written by `island setup opencode`";

pub(super) fn configured(text: &str) -> bool {
    text.contains(MARK)
}

pub(super) fn add(text: &str, program: &str) -> Outcome {
    if !text.trim().is_empty() && !configured(text) {
        return Err(Problem::Conflict(
            "the file is not Island's plugin; move it away first".into(),
        ));
    }
    let program = serde_json::to_string(program)
        .map_err(|e| Problem::Conflict(format!("cannot write {program:?} in a plugin: {e}")))?;
    // `program` is a JSON string literal, quotes and all.
    let after = TEMPLATE.replace("\"@ISLAND@\"", &program);
    Ok((after, Vec::new()))
}

pub(super) fn remove(text: &str) -> Outcome {
    if !configured(text) {
        return Ok((text.to_owned(), Vec::new()));
    }
    Ok((String::new(), Vec::new()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_plugin_runs_the_program_given_and_only_islands_file_is_touched() {
        let (plugin, _) = add("", "/opt/my \"island\"/island").unwrap();
        assert!(plugin.contains(r#"const ISLAND = "/opt/my \"island\"/island";"#));
        assert!(configured(&plugin));
        assert_eq!(add(&plugin, "/opt/my \"island\"/island").unwrap().0, plugin);
        assert!(matches!(
            add("export const Mine = async () => ({});", "island"),
            Err(Problem::Conflict(_))
        ));
        assert_eq!(remove(&plugin).unwrap().0, "");
        let theirs = "export const Mine = async () => ({});";
        assert_eq!(remove(theirs).unwrap().0, theirs);
    }
}
