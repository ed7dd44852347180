//! `setup kubectl`: a kubeconfig user named after the profile whose exec
//! stanza runs `authtool token --format exec-credential -p NAME`. With
//! kubectl on PATH it is written by `kubectl config set-credentials`
//! (kubectl finds the kubeconfig: `$KUBECONFIG`, else `~/.kube/config`);
//! without, authtool edits that file itself (the first file of
//! `$KUBECONFIG`, as kubectl writes a new user): parsed as YAML, the user
//! added or its `exec` replaced, every other key kept (comments are not,
//! as with kubectl). A user that already has exactly this stanza is left
//! alone.

use super::{
    Options, Plan, Step, env_path, home, on_path, output, read_text, strings, unparsable,
    write_step,
};
use crate::config::Profile;
use crate::error::{Error, Result};
use serde_json::Value;
use serde_norway::{Mapping, Value as Yaml};

/// The exec API version written.
const API_VERSION: &str = "client.authentication.k8s.io/v1";

pub fn plan(profile: &Profile, options: &Options) -> Result<Plan> {
    if !on_path("kubectl") {
        return plan_file(profile, options);
    }
    let program = options.program.display().to_string();
    let args = exec_args(&profile.name);
    let view = output("kubectl", &["config", "view", "--raw", "-o", "json"])?.ok_or_else(|| {
        Error::config("`kubectl config view` failed; the kubeconfig was left untouched").hint(
            "run `kubectl config view` to see why (the file is $KUBECONFIG, else ~/.kube/config)",
        )
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

/// The kubeconfig kubectl would write a new user to.
fn kubeconfig_path() -> Result<std::path::PathBuf> {
    if let Some(list) = env_path(crate::envvars::KUBECONFIG)
        && let Some(first) = std::env::split_paths(&list).find(|p| !p.as_os_str().is_empty())
    {
        return Ok(first);
    }
    Ok(home()?.join(".kube").join("config"))
}

/// Without kubectl: the kubeconfig edited as YAML.
fn plan_file(profile: &Profile, options: &Options) -> Result<Plan> {
    let path = kubeconfig_path()?;
    let what = "kubeconfig ";
    let before = read_text(&path, what)?;
    let mut doc: Yaml = match before.as_deref() {
        None => Yaml::Null,
        Some(text) => serde_norway::from_str(text).map_err(|e| unparsable(&path, what, e))?,
    };
    if doc.is_null() {
        let mut root = Mapping::new();
        root.insert("apiVersion".into(), "v1".into());
        root.insert("kind".into(), "Config".into());
        doc = Yaml::Mapping(root);
    }
    let Yaml::Mapping(root) = &mut doc else {
        return Err(unparsable(&path, what, "it is not a YAML mapping"));
    };
    let users = root
        .entry("users".into())
        .or_insert_with(|| Yaml::Sequence(Vec::new()));
    if users.is_null() {
        *users = Yaml::Sequence(Vec::new());
    }
    let Yaml::Sequence(users) = users else {
        return Err(unparsable(&path, what, "`users` is not a list"));
    };
    let mut exec = Mapping::new();
    exec.insert("apiVersion".into(), API_VERSION.into());
    exec.insert(
        "command".into(),
        options.program.display().to_string().into(),
    );
    exec.insert(
        "args".into(),
        Yaml::Sequence(
            exec_args(&profile.name)
                .into_iter()
                .map(Yaml::from)
                .collect(),
        ),
    );
    exec.insert("interactiveMode".into(), "Never".into());
    exec.insert("provideClusterInfo".into(), false.into());
    let found = users
        .iter_mut()
        .find(|u| u.get("name").and_then(Yaml::as_str) == Some(profile.name.as_str()));
    match found {
        Some(Yaml::Mapping(user)) => {
            let inner = user
                .entry("user".into())
                .or_insert_with(|| Yaml::Mapping(Mapping::new()));
            if !inner.is_mapping() {
                *inner = Yaml::Mapping(Mapping::new());
            }
            if let Yaml::Mapping(inner) = inner {
                if inner.get("exec") == Some(&Yaml::Mapping(exec.clone())) {
                    return Ok(Plan::default());
                }
                inner.insert("exec".into(), Yaml::Mapping(exec));
            }
        }
        Some(_) => {
            return Err(unparsable(
                &path,
                what,
                "an entry of `users` is not a mapping",
            ));
        }
        None => {
            let mut inner = Mapping::new();
            inner.insert("exec".into(), Yaml::Mapping(exec));
            let mut user = Mapping::new();
            user.insert("name".into(), profile.name.clone().into());
            user.insert("user".into(), Yaml::Mapping(inner));
            users.push(Yaml::Mapping(user));
        }
    }
    let after = serde_norway::to_string(&doc)
        .map_err(|e| Error::internal(format!("cannot encode YAML: {e}")))?;
    let mut plan = Plan::default();
    plan.steps.extend(write_step(&path, before, after));
    Ok(plan)
}
