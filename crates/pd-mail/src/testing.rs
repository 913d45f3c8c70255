//! Real mail servers for tests and benchmarks (feature `testing`): a Dovecot IMAP server ([`Dovecot`]) with a
//! throwaway configuration, passwd-file users and maildirs in a temporary directory,
//! listening on free loopback ports for plain IMAP (with STARTTLS) and IMAPS with a
//! leaf certificate signed by a test CA; and an SMTP sink ([`SmtpSink`], aiosmtpd)
//! that writes what it receives to a maildir. Both stop when dropped.
//!
//! Dovecot comes from Debian's `dovecot-imapd`, aiosmtpd from `python3-aiosmtpd`;
//! `cargo xtask deps` installs both.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::MailSettings;
use crate::connect::Session;
use futures_util::TryStreamExt;
use pd_core::{MailAccount, MailAccountType, MailSecurity};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose, SanType,
};

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_for_port(port: u16, what: &str, log: &Path) {
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if start.elapsed() > Duration::from_secs(20) {
            panic!(
                "{what} did not listen on {port}: {}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn system_id(flag: &str, user: &str) -> u32 {
    let out = Command::new("id").args([flag, user]).output().unwrap();
    assert!(
        out.status.success(),
        "no system user {user}: is dovecot installed?"
    );
    String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
}

/// A test CA and a leaf certificate for `localhost` / 127.0.0.1 signed by it.
pub struct TestCertificates {
    pub ca_pem: String,
    pub leaf_pem: String,
    pub leaf_key_pem: String,
}

impl TestCertificates {
    pub fn generate() -> TestCertificates {
        let ca_key = KeyPair::generate().unwrap();
        let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name.push(DnType::CommonName, "pd test CA");
        ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca_cert = ca.self_signed(&ca_key).unwrap();
        let issuer = Issuer::new(ca, ca_key);
        let leaf_key = KeyPair::generate().unwrap();
        let mut leaf = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
        leaf.subject_alt_names
            .push(SanType::IpAddress("127.0.0.1".parse().unwrap()));
        leaf.distinguished_name
            .push(DnType::CommonName, "localhost");
        let leaf_cert = leaf.signed_by(&leaf_key, &issuer).unwrap();
        TestCertificates {
            ca_pem: ca_cert.pem(),
            leaf_pem: leaf_cert.pem(),
            leaf_key_pem: leaf_key.serialize_pem(),
        }
    }
}

/// A running Dovecot. Users are `alice` / `secret` and `bob` / `hunter2-bob`.
pub struct Dovecot {
    _dir: tempfile::TempDir,
    child: Child,
    pub imap_port: u16,
    pub imaps_port: u16,
    /// The test CA, for `PD_EMAIL_CERTIFICATE_FILE`.
    pub ca_file: PathBuf,
    pub log_file: PathBuf,
}

pub const USERS: [(&str, &str); 2] = [("alice", "secret"), ("bob", "hunter2-bob")];

impl Dovecot {
    pub fn start() -> Dovecot {
        let dir = tempfile::Builder::new().prefix("pd-dv").tempdir().unwrap();
        let root = dir.path().to_owned();
        // Dovecot's mail processes run as the `dovecot` user (Dovecot refuses root).
        let uid = system_id("-u", "dovecot");
        let gid = system_id("-g", "dovecot");
        std::fs::set_permissions(&root, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
        let mail = root.join("mail");
        std::fs::create_dir_all(&mail).unwrap();
        std::os::unix::fs::chown(&mail, Some(uid), Some(gid)).unwrap();
        for d in ["run", "state"] {
            std::fs::create_dir_all(root.join(d)).unwrap();
        }
        let certs = TestCertificates::generate();
        let ca_file = root.join("ca.pem");
        std::fs::write(&ca_file, &certs.ca_pem).unwrap();
        std::fs::write(root.join("cert.pem"), &certs.leaf_pem).unwrap();
        std::fs::write(root.join("key.pem"), &certs.leaf_key_pem).unwrap();
        let passwd: String = USERS
            .iter()
            .map(|(u, p)| format!("{u}:{{PLAIN}}{p}::::::\n"))
            .collect();
        std::fs::write(root.join("passwd"), passwd).unwrap();
        let imap_port = free_port();
        let imaps_port = free_port();
        let log_file = root.join("dovecot.log");
        let r = root.display();
        let conf = format!(
            r#"base_dir = {r}/run
state_dir = {r}/state
log_path = {r}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{r}/cert.pem
ssl_key = <{r}/key.pem
ssl_min_protocol = TLSv1.2
default_internal_user = dovecot
default_internal_group = dovecot
default_login_user = dovenull
first_valid_uid = 1
disable_plaintext_auth = no
auth_mechanisms = plain login xoauth2
mail_location = maildir:{r}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {r}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={r}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps_port}
    ssl = yes
  }}
}}
"#
        );
        let conf_file = root.join("dovecot.conf");
        std::fs::write(&conf_file, conf).unwrap();
        // Started by its full path: Debian's dovecot-imapd puts it there.
        let child = Command::new("/usr/sbin/dovecot")
            .arg("-F")
            .arg("-c")
            .arg(&conf_file)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("cannot start /usr/sbin/dovecot: run `cargo xtask deps`");
        let server = Dovecot {
            _dir: dir,
            child,
            imap_port,
            imaps_port,
            ca_file,
            log_file,
        };
        wait_for_port(imap_port, "dovecot", &server.log_file);
        wait_for_port(imaps_port, "dovecot", &server.log_file);
        server
    }

    /// Settings that allow the loopback server and trust the test CA.
    pub fn settings(&self) -> MailSettings {
        MailSettings {
            allow_internal_hosts: true,
            certificate_file: Some(self.ca_file.clone()),
            ..MailSettings::default()
        }
    }

    /// An account of `user` over `security` (the port chosen to match).
    pub fn account(&self, name: &str, user: &str, security: MailSecurity) -> MailAccount {
        let password = USERS
            .iter()
            .find(|(u, _)| *u == user)
            .map(|(_, p)| p.to_string())
            .unwrap_or_else(|| "no-such-password".into());
        MailAccount {
            id: 0,
            name: name.into(),
            imap_server: "localhost".into(),
            imap_port: Some(i32::from(match security {
                MailSecurity::Ssl => self.imaps_port,
                _ => self.imap_port,
            })),
            imap_security: security,
            username: user.into(),
            password,
            is_token: false,
            character_set: "UTF-8".into(),
            account_type: MailAccountType::Imap,
            refresh_token: None,
            owner: None,
        }
    }

    /// A plain-IMAP session of `user`, to put mail in and look at it.
    pub async fn session(&self, user: &str) -> Session {
        let account = self.account("harness", user, MailSecurity::None);
        crate::connect::connect(
            &MailAccount {
                imap_server: "127.0.0.1".into(),
                ..account
            },
            &self.settings(),
        )
        .await
        .unwrap()
    }

    /// Puts mails into `folder` with IMAP APPEND (creating the folder when missing).
    pub async fn append(&self, user: &str, folder: &str, mails: &[Vec<u8>]) {
        let mut s = self.session(user).await;
        if folder != "INBOX" {
            let _ = s.create(folder).await;
        }
        for mail in mails {
            s.append(folder, None, None, mail).await.unwrap();
        }
        s.logout().await.unwrap();
    }

    /// UID and flags of every mail in `folder`.
    pub async fn flags(&self, user: &str, folder: &str) -> Vec<(u32, Vec<String>)> {
        let mut s = self.session(user).await;
        s.examine(folder).await.unwrap();
        let fetches: Vec<_> = s
            .uid_fetch("1:*", "(UID FLAGS)")
            .await
            .unwrap()
            .try_collect()
            .await
            .unwrap();
        let mut out: Vec<(u32, Vec<String>)> = fetches
            .iter()
            .map(|f| {
                (
                    f.uid.unwrap(),
                    f.flags().map(|fl| format!("{fl:?}")).collect(),
                )
            })
            .collect();
        out.sort();
        s.logout().await.unwrap();
        out
    }

    /// How many mails `folder` holds.
    pub async fn count(&self, user: &str, folder: &str) -> u32 {
        let mut s = self.session(user).await;
        let mailbox = s.examine(folder).await.unwrap();
        s.logout().await.unwrap();
        mailbox.exists
    }

    /// Deletes and recreates `folder` with these mails: a new UIDVALIDITY.
    pub async fn recreate(&self, user: &str, folder: &str, mails: &[Vec<u8>]) {
        let mut s = self.session(user).await;
        s.delete(folder).await.unwrap();
        s.create(folder).await.unwrap();
        s.logout().await.unwrap();
        self.append(user, folder, mails).await;
    }

    /// The UIDVALIDITY of `folder`.
    pub async fn uid_validity(&self, user: &str, folder: &str) -> u32 {
        let mut s = self.session(user).await;
        let m = s.examine(folder).await.unwrap();
        s.logout().await.unwrap();
        m.uid_validity.unwrap()
    }

    /// The whole-mail bodies Dovecot sent to `user` over all finished sessions, from the
    /// `body_count=` of its logout lines; waits until every session of `user` logged out.
    pub fn server_body_count(&self, user: &str) -> u64 {
        let start = Instant::now();
        loop {
            let log = std::fs::read_to_string(&self.log_file).unwrap_or_default();
            let logins = log
                .lines()
                .filter(|l| {
                    l.contains("imap-login: Info: Login:") && l.contains(&format!("user=<{user}>"))
                })
                .count();
            let logouts: Vec<&str> = log
                .lines()
                .filter(|l| l.contains(&format!("imap({user})")) && l.contains("body_count="))
                .collect();
            if logouts.len() >= logins || start.elapsed() > Duration::from_secs(20) {
                assert_eq!(logouts.len(), logins, "sessions still open:\n{log}");
                return logouts
                    .iter()
                    .map(|l| {
                        let v = l.split("body_count=").nth(1).unwrap();
                        v.split(|c: char| !c.is_ascii_digit())
                            .next()
                            .unwrap()
                            .parse::<u64>()
                            .unwrap()
                    })
                    .sum();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        // SIGTERM lets the master stop its children; the test must not leave them behind.
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(10) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An aiosmtpd SMTP server on loopback that stores every message in a maildir.
pub struct SmtpSink {
    dir: tempfile::TempDir,
    child: Child,
    pub port: u16,
}

impl SmtpSink {
    pub fn start() -> SmtpSink {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let log = dir.path().join("aiosmtpd.log");
        let child = Command::new("/usr/bin/python3")
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(dir.path().join("maildir"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("cannot start aiosmtpd: run `cargo xtask deps` (python3-aiosmtpd)");
        let sink = SmtpSink { dir, child, port };
        wait_for_port(port, "aiosmtpd", &log);
        sink
    }

    /// Every message received so far, raw.
    pub fn messages(&self) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        for sub in ["new", "cur"] {
            if let Ok(entries) = std::fs::read_dir(self.dir.path().join("maildir").join(sub)) {
                for e in entries.flatten() {
                    out.push(std::fs::read(e.path()).unwrap());
                }
            }
        }
        out
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A mail with text attachments: `(file name, disposition, content)`.
pub fn mail(
    from: &str,
    to: &str,
    subject: &str,
    message_id: &str,
    body: &str,
    attachments: &[(&str, &str, &str)],
) -> Vec<u8> {
    let mut m = format!(
        "From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\nMessage-ID: <{message_id}>\r\n\
         Date: {}\r\nMIME-Version: 1.0\r\n",
        rfc2822_now()
    );
    if attachments.is_empty() {
        m.push_str(&format!(
            "Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
        ));
        return m.into_bytes();
    }
    m.push_str("Content-Type: multipart/mixed; boundary=\"BOUNDARY\"\r\n\r\n");
    m.push_str(&format!(
        "--BOUNDARY\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    ));
    for (name, disposition, content) in attachments {
        m.push_str(&format!(
            "--BOUNDARY\r\nContent-Type: text/plain; charset=utf-8; name=\"{name}\"\r\n\
             Content-Disposition: {disposition}; filename=\"{name}\"\r\n\r\n{content}\r\n"
        ));
    }
    m.push_str("--BOUNDARY--\r\n");
    m.into_bytes()
}

fn rfc2822_now() -> String {
    let now = time::OffsetDateTime::now_utc();
    now.format(&time::format_description::well_known::Rfc2822)
        .unwrap()
}
