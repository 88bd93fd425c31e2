//! `goelf generate man DIR` / `goelf generate completions SHELL [DIR]`: the man page and shell
//! completions, generated from the clap definition so they cannot drift from the flags.

use std::path::PathBuf;

use clap::CommandFactory;

/// Arguments of `goelf generate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    what: What,
}

#[derive(Debug, clap::Subcommand)]
enum What {
    /// Write goelf.1 and one page per subcommand into DIR.
    Man { dir: PathBuf },
    /// Write the completion script for SHELL into DIR (or stdout).
    Completions {
        shell: clap_complete::Shell,
        dir: Option<PathBuf>,
    },
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let cmd = crate::Cli::command();
    match args.what {
        What::Man { dir } => {
            std::fs::create_dir_all(&dir)?;
            clap_mangen::generate_to(cmd, &dir)?;
        }
        What::Completions { shell, dir } => {
            let mut cmd = cmd;
            match dir {
                Some(d) => {
                    std::fs::create_dir_all(&d)?;
                    clap_complete::generate_to(shell, &mut cmd, "goelf", &d)?;
                }
                None => clap_complete::generate(shell, &mut cmd, "goelf", &mut std::io::stdout()),
            }
        }
    }
    Ok(crate::common::EXIT_OK)
}
