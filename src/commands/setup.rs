//! `setup TOOL PROFILE`: plans the change with [`crate::setup`], then
//! prints it (`--dry-run`) or makes it and says what it did.

use super::{Outcome, load_profile};
use crate::cli::{Global, SetupArgs, SetupTool};
use crate::error::{Error, Result};
use crate::setup::{self, Options};

pub fn run(g: &Global, args: &SetupArgs) -> Result<Outcome> {
    let python = matches!(args.tool, SetupTool::Pip | SetupTool::Uv);
    if args.file.is_some() && !(python || args.tool == SetupTool::Bazel) {
        return Err(Error::config(
            "--file is for bazel (.bazelrc), pip (pip.conf) and uv (uv.toml)",
        )
        .hint("git, kubectl and Docker find their files themselves: set GIT_CONFIG_GLOBAL, KUBECONFIG or DOCKER_CONFIG"));
    }
    if args.index_url.is_some() && !python {
        return Err(Error::config("--index-url is for pip and uv").hint(
            "drop --index-url, or run `authtool setup pip PROFILE --index-url URL` (or `setup uv …`)",
        ));
    }
    let (_, profile) = load_profile(g, &args.profile)?;
    let program = std::env::current_exe()
        .map_err(|e| Error::internal(format!("cannot find the authtool program: {e}")))?;
    let bin_dir = match &args.bin_dir {
        Some(dir) => dir.clone(),
        None => setup::home()?.join(".local").join("bin"),
    };
    let options = Options {
        program,
        bin_dir,
        file: args.file.clone(),
        index_url: args.index_url.clone(),
    };
    let plan = match args.tool {
        SetupTool::Git => setup::git::plan(&profile, &options)?,
        SetupTool::Kubectl => setup::kubectl::plan(&profile, &options)?,
        SetupTool::Docker => setup::docker::plan(&profile, &options)?,
        SetupTool::Bazel => setup::bazel::plan(&profile, &options)?,
        SetupTool::Pip => setup::python::plan_pip(&profile, &options)?,
        SetupTool::Uv => setup::python::plan_uv(&profile, &options)?,
    };
    if plan.steps.is_empty() {
        return Ok(Outcome::text(format!(
            "profile '{}': already set up; nothing changed\n",
            profile.name
        )));
    }
    if let Some(warning) = setup::bin_dir_warning(&plan, &options.bin_dir) {
        crate::warn!("{warning}");
    }
    if args.dry_run {
        return Ok(Outcome::text(plan.describe(false)));
    }
    plan.apply()?;
    Ok(Outcome::text(plan.describe(true)))
}
