//! Connecting and logging in: the non-public address check, plain IMAP, IMAP over TLS,
//! STARTTLS, and LOGIN / AUTHENTICATE PLAIN / XOAUTH2.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use pd_core::{MailAccount, MailSecurity};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::rustls::{self, ClientConfig, RootCertStore};

use crate::error::{MailError, Result};
use crate::settings::MailSettings;

/// How long connecting and logging in may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// A connection to an IMAP server, plain or TLS.
#[derive(Debug)]
pub enum MailStream {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl AsyncRead for MailStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            MailStream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            MailStream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for MailStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            MailStream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            MailStream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            MailStream::Plain(s) => Pin::new(s).poll_flush(cx),
            MailStream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            MailStream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            MailStream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

/// A logged-in IMAP session.
pub type Session = async_imap::Session<MailStream>;

/// The port an account uses: its own, else 993 for TLS and 143 otherwise.
pub fn account_port(account: &MailAccount) -> u16 {
    account
        .imap_port
        .and_then(|p| u16::try_from(p).ok())
        .unwrap_or(match account.imap_security {
            MailSecurity::Ssl => 993,
            _ => 143,
        })
}

/// Whether an address is one the public internet routes (what paperless-ngx calls
/// global): not loopback, private, link-local, shared, documentation or unspecified.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.is_multicast()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
                || (a == 198 && (b == 18 || b == 19))
                || a >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || (first == 0x2001 && v6.segments()[1] == 0x0db8))
        }
    }
}

/// Resolves `server` and refuses it when any address is non-public, unless allowed.
pub async fn resolve(server: &str, port: u16, settings: &MailSettings) -> Result<Vec<SocketAddr>> {
    let connect_err = |message: String| MailError::Connect {
        server: server.to_owned(),
        port,
        message,
    };
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((server, port))
        .await
        .map_err(|e| connect_err(e.to_string()))?
        .collect();
    if addrs.is_empty() {
        return Err(connect_err("the name resolves to no address".into()));
    }
    if !settings.allow_internal_hosts
        && let Some(addr) = addrs.iter().find(|a| !is_public(a.ip()))
    {
        return Err(MailError::BlockedHost {
            server: server.to_owned(),
            address: addr.ip().to_string(),
        });
    }
    Ok(addrs)
}

/// A rustls client configuration trusting the system's roots and the optional CA file.
pub fn tls_config(settings: &MailSettings, server: &str) -> Result<Arc<ClientConfig>> {
    let tls_err = |message: String| MailError::Tls {
        server: server.to_owned(),
        message,
    };
    let mut roots = RootCertStore::empty();
    for cert in rustls_native_certs::load_native_certs().certs {
        // A system certificate rustls cannot use is skipped, as browsers do.
        let _ = roots.add(cert);
    }
    if let Some(path) = &settings.certificate_file {
        let certs = CertificateDer::pem_file_iter(path)
            .and_then(|it| it.collect::<Result<Vec<_>, _>>())
            .map_err(|e| {
                MailError::Config(format!("PD_EMAIL_CERTIFICATE_FILE {}: {e}", path.display()))
            })?;
        if certs.is_empty() {
            return Err(MailError::Config(format!(
                "PD_EMAIL_CERTIFICATE_FILE {} holds no certificate",
                path.display()
            )));
        }
        for cert in certs {
            roots.add(cert).map_err(|e| {
                MailError::Config(format!("PD_EMAIL_CERTIFICATE_FILE {}: {e}", path.display()))
            })?;
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_err(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

async fn tls_wrap(
    tcp: TcpStream,
    server: &str,
    settings: &MailSettings,
) -> Result<TlsStream<TcpStream>> {
    let tls_err = |message: String| MailError::Tls {
        server: server.to_owned(),
        message,
    };
    let name = ServerName::try_from(server.to_owned()).map_err(|e| tls_err(e.to_string()))?;
    TlsConnector::from(tls_config(settings, server)?)
        .connect(name, tcp)
        .await
        .map_err(|e| tls_err(e.to_string()))
}

/// SASL XOAUTH2: the user and the bearer token in one message.
struct XOAuth2<'a> {
    user: &'a str,
    token: &'a str,
}

impl async_imap::Authenticator for XOAuth2<'_> {
    type Response = String;
    fn process(&mut self, _challenge: &[u8]) -> String {
        format!("user={}\x01auth=Bearer {}\x01\x01", self.user, self.token)
    }
}

/// SASL PLAIN, for passwords LOGIN cannot carry (non-ASCII).
struct Plain<'a> {
    user: &'a str,
    password: &'a str,
}

impl async_imap::Authenticator for Plain<'_> {
    type Response = String;
    fn process(&mut self, _challenge: &[u8]) -> String {
        format!("\0{}\0{}", self.user, self.password)
    }
}

/// Connects to the account's server and logs in.
pub async fn connect(account: &MailAccount, settings: &MailSettings) -> Result<Session> {
    let port = account_port(account);
    tokio::time::timeout(CONNECT_TIMEOUT, connect_inner(account, port, settings))
        .await
        .unwrap_or_else(|_| {
            Err(MailError::Connect {
                server: account.imap_server.clone(),
                port,
                message: format!("no answer within {} s", CONNECT_TIMEOUT.as_secs()),
            })
        })
}

async fn connect_inner(
    account: &MailAccount,
    port: u16,
    settings: &MailSettings,
) -> Result<Session> {
    let server = account.imap_server.as_str();
    let connect_err = |message: String| MailError::Connect {
        server: server.to_owned(),
        port,
        message,
    };
    let addrs = resolve(server, port, settings).await?;
    // Connect to the address that was checked, not to a second lookup's answer.
    let tcp = TcpStream::connect(&addrs[..])
        .await
        .map_err(|e| connect_err(e.to_string()))?;
    let greeting_err = |e: io::Error| connect_err(format!("no IMAP greeting: {e}"));
    let client = match account.imap_security {
        MailSecurity::None => {
            let mut c = async_imap::Client::new(MailStream::Plain(tcp));
            c.read_response().await.map_err(greeting_err)?;
            c
        }
        MailSecurity::Ssl => {
            let tls = tls_wrap(tcp, server, settings).await?;
            let mut c = async_imap::Client::new(MailStream::Tls(Box::new(tls)));
            c.read_response().await.map_err(greeting_err)?;
            c
        }
        MailSecurity::StartTls => {
            let mut c = async_imap::Client::new(MailStream::Plain(tcp));
            c.read_response().await.map_err(greeting_err)?;
            c.run_command_and_check_ok("STARTTLS", None)
                .await
                .map_err(|e| MailError::Tls {
                    server: server.to_owned(),
                    message: format!("STARTTLS refused: {e}"),
                })?;
            let MailStream::Plain(tcp) = c.into_inner() else {
                unreachable!("the stream before STARTTLS is plain")
            };
            let tls = tls_wrap(tcp, server, settings).await?;
            async_imap::Client::new(MailStream::Tls(Box::new(tls)))
        }
    };
    let login_err = |e: async_imap::error::Error| MailError::Login {
        account: account.name.clone(),
        message: e.to_string(),
    };
    let user = account.username.as_str();
    let secret = account.password.as_str();
    let session = if account.is_token {
        client
            .authenticate(
                "XOAUTH2",
                XOAuth2 {
                    user,
                    token: secret,
                },
            )
            .await
            .map_err(|(e, _)| login_err(e))?
    } else if secret.is_ascii() {
        client
            .login(user, secret)
            .await
            .map_err(|(e, _)| login_err(e))?
    } else {
        // LOGIN takes a quoted ASCII string; PLAIN carries any UTF-8 password.
        client
            .authenticate(
                "PLAIN",
                Plain {
                    user,
                    password: secret,
                },
            )
            .await
            .map_err(|(e, _)| login_err(e))?
    };
    Ok(session)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_and_internal_addresses() {
        for internal in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.0.1",
            "172.16.5.4",
            "169.254.1.1",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(!is_public(internal.parse().unwrap()), "{internal}");
        }
        for public in ["1.1.1.1", "142.250.74.46", "2a00:1450:4001::1"] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
    }
}
