//! Users: owners of objects and authors of notes.

use std::ops::DerefMut;

use pd_core::{Id, User};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use super::sql::{RowExt, conflict_on_unique, flag, ts};
use super::{Conn, check_len};
use crate::{Error, Result};

const COLUMNS: &str = "id, username, first_name, last_name, email, password, is_superuser, \
     is_staff, is_active, date_joined";

/// A user to insert; `date_joined` is set to now.
#[derive(Clone, PartialEq, Eq)]
pub struct NewUser {
    pub username: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    /// Django's password hash (`pbkdf2_sha256$…`), or empty for no password.
    pub password: String,
    pub is_superuser: bool,
    pub is_staff: bool,
    pub is_active: bool,
}

impl NewUser {
    /// An active, unprivileged user without a password.
    pub fn new(username: impl Into<String>) -> NewUser {
        NewUser {
            username: username.into(),
            first_name: String::new(),
            last_name: String::new(),
            email: String::new(),
            password: String::new(),
            is_superuser: false,
            is_staff: false,
            is_active: true,
        }
    }
}

impl std::fmt::Debug for NewUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewUser")
            .field("username", &self.username)
            .field("first_name", &self.first_name)
            .field("last_name", &self.last_name)
            .field("email", &self.email)
            .field("password", &"<hash>")
            .field("is_superuser", &self.is_superuser)
            .field("is_staff", &self.is_staff)
            .field("is_active", &self.is_active)
            .finish()
    }
}

fn user_from_row(r: &AnyRow) -> Result<User> {
    Ok(User {
        id: r.int("id")?,
        username: r.text("username")?,
        first_name: r.text("first_name")?,
        last_name: r.text("last_name")?,
        email: r.text("email")?,
        password: r.text("password")?,
        is_superuser: r.flag("is_superuser")?,
        is_staff: r.flag("is_staff")?,
        is_active: r.flag("is_active")?,
        date_joined: r.ts("date_joined")?,
    })
}

impl<C: DerefMut<Target = AnyConnection> + Send> Conn<C> {
    /// Adds a user. User names are unique.
    pub async fn insert_user(&mut self, new: &NewUser) -> Result<User> {
        if new.username.trim().is_empty() {
            return Err(Error::Invalid("a user needs a user name".into()));
        }
        check_len("the user name", &new.username, 150)?;
        check_len("the first name", &new.first_name, 150)?;
        check_len("the last name", &new.last_name, 150)?;
        check_len("the e-mail address", &new.email, 254)?;
        check_len("the password hash", &new.password, 256)?;
        let taken = || Error::Conflict(format!("a user named \"{}\" already exists", new.username));
        if self.user_by_username(&new.username).await?.is_some() {
            return Err(taken());
        }
        let date_joined = pd_core::now();
        let q = self
            .query(
                "INSERT INTO users (username, first_name, last_name, email, password, \
                 is_superuser, is_staff, is_active, date_joined) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            )
            .bind(new.username.clone())
            .bind(new.first_name.clone())
            .bind(new.last_name.clone())
            .bind(new.email.clone())
            .bind(new.password.clone())
            .bind(flag(new.is_superuser))
            .bind(flag(new.is_staff))
            .bind(flag(new.is_active))
            .bind(ts(date_joined));
        let id = self
            .fetch_one(q)
            .await
            .map_err(|e| conflict_on_unique(e, taken))?
            .int("id")?;
        Ok(User {
            id,
            username: new.username.clone(),
            first_name: new.first_name.clone(),
            last_name: new.last_name.clone(),
            email: new.email.clone(),
            password: new.password.clone(),
            is_superuser: new.is_superuser,
            is_staff: new.is_staff,
            is_active: new.is_active,
            date_joined,
        })
    }

    /// The user with this id.
    pub async fn user(&mut self, id: Id) -> Result<User> {
        let q = self
            .query(&format!("SELECT {COLUMNS} FROM users WHERE id = ?"))
            .bind(id);
        match self.fetch_optional(q).await? {
            Some(r) => user_from_row(&r),
            None => Err(Error::not_found("user", id)),
        }
    }

    /// The user with this user name.
    pub async fn user_by_username(&mut self, username: &str) -> Result<Option<User>> {
        let q = self
            .query(&format!("SELECT {COLUMNS} FROM users WHERE username = ?"))
            .bind(username.to_owned());
        self.fetch_optional(q)
            .await?
            .as_ref()
            .map(user_from_row)
            .transpose()
    }

    /// Every user, by id.
    pub async fn users(&mut self) -> Result<Vec<User>> {
        let q = self.query(&format!("SELECT {COLUMNS} FROM users ORDER BY id"));
        self.fetch_all(q).await?.iter().map(user_from_row).collect()
    }
}
