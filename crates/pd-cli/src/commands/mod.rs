//! One module per command: map flags to a library call, print the report.

pub(crate) mod archive;
pub(crate) mod backup;
pub(crate) mod classifier;
mod consume;
pub(crate) mod decrypt;
mod documents;
pub(crate) mod duplicates;
pub(crate) mod explain;
pub(crate) mod export;
pub(crate) mod import;
pub(crate) mod index;
pub(crate) mod mail;
mod migrate;
mod objects;
pub(crate) mod rename;
mod retag;
pub(crate) mod sanity;
pub(crate) mod search;
mod status;
pub(crate) mod thumbnails;
mod trash;

use anyhow::Result;
use pd_core::{Config, ConfigOverrides};
use pd_store::Store;

use crate::cli::{Cli, Command, GlobalArgs};
use crate::output::{Output, Status};

pub async fn run(cli: Cli, out: &Output) -> Result<Status> {
    let config = load_config(&cli.global)?;
    match cli.command {
        Command::Init => migrate::init(&config, out).await,
        Command::Migrate(args) => migrate::migrate(&config, &args, out).await,
        Command::Consume(args) => consume::run(&open(&config).await?, &args, out).await,
        Command::Documents(cmd) => documents::run(&open(&config).await?, cmd, out).await,
        Command::Trash(cmd) => trash::run(&open(&config).await?, cmd, out).await,
        Command::Tags(cmd) => {
            objects::run(&open(&config).await?, objects::Kind::Tag, cmd, out).await
        }
        Command::Correspondents(cmd) => {
            objects::run(
                &open(&config).await?,
                objects::Kind::Correspondent,
                cmd,
                out,
            )
            .await
        }
        Command::Types(cmd) => {
            objects::run(&open(&config).await?, objects::Kind::DocumentType, cmd, out).await
        }
        Command::StoragePaths(cmd) => {
            objects::run(&open(&config).await?, objects::Kind::StoragePath, cmd, out).await
        }
        Command::Status => status::run(&open(&config).await?, out).await,
        Command::Sanity(args) => sanity::run(&open(&config).await?, args, out).await,
        Command::Rename(args) => rename::run(&open(&config).await?, args, out).await,
        Command::Duplicates(args) => duplicates::run(&open(&config).await?, args, out).await,
        Command::Retag(args) => retag::run(&open(&config).await?, &args, out).await,
        Command::Thumbnails(args) => thumbnails::run(&open(&config).await?, args, out).await,
        Command::Archive(args) => archive::run(&open(&config).await?, args, out).await,
        Command::Classifier(cmd) => classifier::run(&open(&config).await?, cmd, out).await,
        Command::Match(cmd) => explain::run(&open(&config).await?, cmd, out).await,
        Command::Search(args) => search::run(&open(&config).await?, &args, out).await,
        Command::Index(cmd) => index::run(&open(&config).await?, cmd, out).await,
        Command::Import(args) => import::import(&config, &args, out).await,
        Command::Verify(args) => import::verify(&config, &args, out),
        Command::Export(args) => export::run(&open(&config).await?, &args, out).await,
        Command::Backup(args) => backup::backup(&open(&config).await?, &args, out).await,
        Command::Restore(args) => backup::restore(&config, &args, out).await,
        Command::Decrypt(args) => decrypt::run(&open(&config).await?, args, out).await,
        Command::Mail(cmd) => mail::run(&open(&config).await?, cmd, out).await,
    }
}

fn load_config(global: &GlobalArgs) -> Result<Config> {
    let overrides = ConfigOverrides {
        data_dir: global.data_dir.clone(),
        database_url: None,
    };
    Ok(Config::load(&overrides)?)
}

async fn open(config: &Config) -> Result<Store> {
    Ok(Store::open(config).await?)
}
