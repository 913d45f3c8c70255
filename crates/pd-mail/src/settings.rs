//! Mail settings from the environment: `PD_EMAIL_*`, named after paperless-ngx's
//! `PAPERLESS_EMAIL_*`.

use std::path::PathBuf;

use crate::error::{MailError, Result};

/// How pd reaches mail servers.
#[derive(Clone, Default)]
pub struct MailSettings {
    /// `PD_EMAIL_ALLOW_INTERNAL_HOSTS`: allow IMAP servers on loopback and private
    /// addresses (refused by default, as paperless-ngx does).
    pub allow_internal_hosts: bool,
    /// `PD_EMAIL_CERTIFICATE_FILE`: a PEM file of CA certificates trusted besides the
    /// system's (IMAP and SMTP).
    pub certificate_file: Option<PathBuf>,
    pub smtp: SmtpSettings,
}

/// Where `pd mail send` delivers: paperless-ngx's `EMAIL_HOST`, `EMAIL_PORT`, ….
#[derive(Clone)]
pub struct SmtpSettings {
    /// `PD_EMAIL_HOST` (default `localhost`).
    pub host: String,
    /// `PD_EMAIL_PORT` (default 25).
    pub port: u16,
    /// `PD_EMAIL_HOST_USER`; no authentication when empty.
    pub username: String,
    /// `PD_EMAIL_HOST_PASSWORD`. A secret: never printed.
    pub password: String,
    /// `PD_EMAIL_USE_TLS`: STARTTLS.
    pub use_tls: bool,
    /// `PD_EMAIL_USE_SSL`: TLS from the first byte.
    pub use_ssl: bool,
    /// `PD_EMAIL_FROM` (default `webmaster@localhost`).
    pub from: String,
}

impl Default for SmtpSettings {
    fn default() -> Self {
        SmtpSettings {
            host: "localhost".into(),
            port: 25,
            username: String::new(),
            password: String::new(),
            use_tls: false,
            use_ssl: false,
            from: "webmaster@localhost".into(),
        }
    }
}

impl std::fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("username", &self.username)
            .field("password", &"<secret>")
            .field("use_tls", &self.use_tls)
            .field("use_ssl", &self.use_ssl)
            .field("from", &self.from)
            .finish()
    }
}

impl std::fmt::Debug for MailSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailSettings")
            .field("allow_internal_hosts", &self.allow_internal_hosts)
            .field("certificate_file", &self.certificate_file)
            .field("smtp", &self.smtp)
            .finish()
    }
}

impl MailSettings {
    /// The settings of the process environment.
    pub fn from_env() -> Result<MailSettings> {
        Self::load_with(|name| std::env::var(name).ok())
    }

    /// The settings, reading variables through `env` (for tests and embedders).
    pub fn load_with(env: impl Fn(&str) -> Option<String>) -> Result<MailSettings> {
        let env = |name: &str| env(name).filter(|v| !v.is_empty());
        let flag = |name: &str| -> Result<bool> {
            match env(name) {
                None => Ok(false),
                Some(v) => match v.to_ascii_lowercase().as_str() {
                    "1" | "true" | "yes" | "y" | "on" => Ok(true),
                    "0" | "false" | "no" | "n" | "off" => Ok(false),
                    _ => Err(MailError::Config(format!(
                        "{name}={v:?} is not a boolean (true or false)"
                    ))),
                },
            }
        };
        let defaults = SmtpSettings::default();
        let port = match env("PD_EMAIL_PORT") {
            None => defaults.port,
            Some(v) => v.parse().map_err(|_| {
                MailError::Config(format!("PD_EMAIL_PORT={v:?} is not a port number"))
            })?,
        };
        let smtp = SmtpSettings {
            host: env("PD_EMAIL_HOST").unwrap_or(defaults.host),
            port,
            username: env("PD_EMAIL_HOST_USER").unwrap_or_default(),
            password: env("PD_EMAIL_HOST_PASSWORD").unwrap_or_default(),
            use_tls: flag("PD_EMAIL_USE_TLS")?,
            use_ssl: flag("PD_EMAIL_USE_SSL")?,
            from: env("PD_EMAIL_FROM").unwrap_or(defaults.from),
        };
        if smtp.use_tls && smtp.use_ssl {
            return Err(MailError::Config(
                "PD_EMAIL_USE_TLS and PD_EMAIL_USE_SSL exclude each other".into(),
            ));
        }
        Ok(MailSettings {
            allow_internal_hosts: flag("PD_EMAIL_ALLOW_INTERNAL_HOSTS")?,
            certificate_file: env("PD_EMAIL_CERTIFICATE_FILE").map(PathBuf::from),
            smtp,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_values() {
        let s = MailSettings::load_with(|_| None).unwrap();
        assert!(!s.allow_internal_hosts);
        assert_eq!(s.smtp.port, 25);
        assert_eq!(s.smtp.from, "webmaster@localhost");
        let s = MailSettings::load_with(|n| match n {
            "PD_EMAIL_PORT" => Some("2525".into()),
            "PD_EMAIL_ALLOW_INTERNAL_HOSTS" => Some("yes".into()),
            "PD_EMAIL_HOST_PASSWORD" => Some("hunter2".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(s.smtp.port, 2525);
        assert!(s.allow_internal_hosts);
        assert!(!format!("{s:?}").contains("hunter2"));
    }

    #[test]
    fn bad_values_are_named() {
        let e = MailSettings::load_with(|n| (n == "PD_EMAIL_PORT").then(|| "x".into()))
            .unwrap_err()
            .to_string();
        assert!(e.contains("PD_EMAIL_PORT"), "{e}");
    }
}
