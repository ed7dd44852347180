//! `setup kubectl`: a kubeconfig user named after the profile whose exec
//! stanza runs `authtool token --format exec-credential -p NAME`, written
//! with `kubectl config set-credentials` (kubectl finds the kubeconfig:
//! `$KUBECONFIG`, else `~/.kube/config`). A user that already has exactly
//! this stanza is left alone; other users, clusters and contexts are
//! kubectl's to keep.

use super::{Options, Plan, Step, on_path, output, strings};
use crate::config::Profile;
use crate::error::{Error, Result};
use serde_json::Value;

/// The exec API version written.
const API_VERSION: &str = "client.authentication.k8s.io/v1";

pub fn plan(profile: &Profile, options: &Options) -> Result<Plan> {
    if !on_path("kubectl") {
        return Err(Error::config("kubectl is not on PATH; `setup kubectl` writes the kubeconfig through it")
            .hint("install kubectl, or add the exec stanza shown in docs/integrations.md (kubectl) to your kubeconfig"));
    }
    let program = options.program.display().to_string();
    let args = exec_args(&profile.name);
    let view = output("kubectl", &["config", "view", "--raw", "-o", "json"])?.ok_or_else(|| {
        Error::config("`kubectl config view` failed; the kubeconfig was left untouched")
    })?;
    let doc: Value = serde_json::from_str(&view)
        .map_err(|e| Error::config(format!("cannot read `kubectl config view`'s answer: {e}")))?;
    let current = doc["users"]
        .as_array()
        .and_then(|users| users.iter().find(|u| u["name"] == profile.name.as_str()))
        .map(|u| &u["user"]["exec"]);
    let wanted = current.is_some_and(|exec| {
        exec["command"] == program.as_str()
            && exec["apiVersion"] == API_VERSION
            && exec["interactiveMode"] == "Never"
            && exec["args"].as_array().is_some_and(|a| {
                a.iter().map(Value::as_str).collect::<Vec<_>>()
                    == args.iter().map(|s| Some(s.as_str())).collect::<Vec<_>>()
            })
    });
    let mut plan = Plan::default();
    if !wanted {
        let mut call = strings(["config", "set-credentials", &profile.name]);
        call.push(format!("--exec-api-version={API_VERSION}"));
        call.push(format!("--exec-command={program}"));
        call.extend(args.iter().map(|a| format!("--exec-arg={a}")));
        call.push("--exec-interactive-mode=Never".into());
        plan.steps.push(Step::Run {
            program: "kubectl".into(),
            args: call,
        });
    }
    Ok(plan)
}

/// The exec plugin's arguments.
fn exec_args(profile: &str) -> Vec<String> {
    strings(["token", "--format", "exec-credential", "-p", profile])
}
