//! `setup git`: `credential.<url>.helper` for each of the profile's `urls`
//! in git's global config (`git config --global`, which honours
//! `$GIT_CONFIG_GLOBAL`), and `credential.<url>.useHttpPath` for a URL
//! with a path (git sends the path only then). A helper already listed is
//! not added again; other helpers stay.

use super::{Options, Plan, Step, output, shell_word, strings};
use crate::config::Profile;
use crate::error::Result;

pub fn plan(profile: &Profile, options: &Options) -> Result<Plan> {
    let urls = super::urls_of(profile)?;
    let helper = format!(
        "!{} git-credential",
        shell_word(&options.program.display().to_string())
    );
    let mut plan = Plan::default();
    for url in urls {
        let scope = url.trim_end_matches('/');
        let key = format!("credential.{scope}.helper");
        let have = output("git", &["config", "--global", "--get-all", &key])?.unwrap_or_default();
        if !have.lines().any(|line| line == helper) {
            plan.steps.push(Step::Run {
                program: "git".into(),
                args: strings(["config", "--global", "--add", &key, &helper]),
            });
        }
        let has_path = url::Url::parse(scope).is_ok_and(|u| !u.path().trim_matches('/').is_empty());
        if has_path {
            let key = format!("credential.{scope}.useHttpPath");
            let have = output("git", &["config", "--global", "--get", &key])?;
            if have.as_deref().map(str::trim) != Some("true") {
                plan.steps.push(Step::Run {
                    program: "git".into(),
                    args: strings(["config", "--global", &key, "true"]),
                });
            }
        }
    }
    Ok(plan)
}
