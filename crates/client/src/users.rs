//! `partner.customers().by_id(c).users()`: a customer's users.

use futures::Stream;
use reqwest::Method;
use tenantdesk_wire::{
    Collection, CustomerUser, CustomerUserRequest, PasswordProfile, UserFilter, UserImport, UserState,
};
use uuid::Uuid;

use crate::{Error, Partner, Request};

/// A customer's users: `partner.customers().by_id(customer).users()`.
#[derive(Clone, Copy, Debug)]
pub struct Users<'a> {
    partner: &'a Partner,
    customer: Uuid,
}

impl<'a> Users<'a> {
    pub(crate) fn new(partner: &'a Partner, customer: Uuid) -> Self {
        Self { partner, customer }
    }

    fn path(&self) -> String {
        format!("/v1/customers/{}/users", self.customer)
    }

    /// Creates a user. Without `password_profile.password`, the service generates a temporary
    /// password and returns it in this answer only.
    ///
    /// ```no_run
    /// # async fn example(partner: tenantdesk_client::Partner, customer: uuid::Uuid) -> Result<(), tenantdesk_client::Error> {
    /// use tenantdesk_client::CustomerUserRequest;
    /// let user = partner.customers().by_id(customer).users().create(&CustomerUserRequest {
    ///     user_principal_name: Some("ana@contoso.onmicrosoft.com".into()),
    ///     display_name: Some("Ana Lima".into()),
    ///     usage_location: Some("US".into()),
    ///     ..Default::default()
    /// }).await?;
    /// let temporary = user.password_profile.and_then(|p| p.password);
    /// # Ok(()) }
    /// ```
    pub async fn create(self, user: &CustomerUserRequest) -> Result<CustomerUser, Error> {
        self.partner
            .call(Request::new(Method::POST, self.path()).body(user))
            .await
    }

    /// The first page of active users, `size` per page (0 for the service's default, 100).
    ///
    /// ```no_run
    /// # async fn example(partner: tenantdesk_client::Partner, customer: uuid::Uuid) -> Result<(), tenantdesk_client::Error> {
    /// let users = partner.customers().by_id(customer).users();
    /// let mut page = users.page(50).await?;
    /// loop {
    ///     for user in &page.items { println!("{}", user.user_principal_name); }
    ///     match users.next_page(&page).await? { Some(next) => page = next, None => break }
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn page(self, size: u32) -> Result<Collection<CustomerUser>, Error> {
        self.first_page(size, None).await
    }

    /// The first page of deleted (restorable) users, `size` per page.
    ///
    /// ```no_run
    /// # async fn example(partner: tenantdesk_client::Partner, customer: uuid::Uuid) -> Result<(), tenantdesk_client::Error> {
    /// let deleted = partner.customers().by_id(customer).users().deleted_page(0).await?;
    /// # Ok(()) }
    /// ```
    pub async fn deleted_page(self, size: u32) -> Result<Collection<CustomerUser>, Error> {
        self.first_page(size, Some(UserFilter::deleted_users())).await
    }

    async fn first_page(self, size: u32, filter: Option<UserFilter>) -> Result<Collection<CustomerUser>, Error> {
        let mut query = vec![("size", size.to_string())];
        if let Some(filter) = filter {
            query.push((
                "filter",
                serde_json::to_string(&filter).map_err(|e| Error::Decode(e.to_string()))?,
            ));
        }
        self.partner
            .call(Request::new(Method::GET, self.path()).query(&query))
            .await
    }

    /// The page after `page`, by following its `next` link; `None` after the last page.
    ///
    /// ```no_run
    /// # async fn example(partner: tenantdesk_client::Partner, customer: uuid::Uuid) -> Result<(), tenantdesk_client::Error> {
    /// let users = partner.customers().by_id(customer).users();
    /// let first = users.page(100).await?;
    /// let second = users.next_page(&first).await?;
    /// # Ok(()) }
    /// ```
    pub async fn next_page(self, page: &Collection<CustomerUser>) -> Result<Option<Collection<CustomerUser>>, Error> {
        self.partner.follow_next(page).await
    }

    /// Every active user, fetched page by page (100 at a time) as the stream is read.
    ///
    /// ```no_run
    /// # async fn example(partner: tenantdesk_client::Partner, customer: uuid::Uuid) -> Result<(), tenantdesk_client::Error> {
    /// use futures::TryStreamExt as _;
    /// let all: Vec<_> = partner.customers().by_id(customer).users().list().try_collect().await?;
    /// # Ok(()) }
    /// ```
    pub fn list(self) -> impl Stream<Item = Result<CustomerUser, Error>> + 'a {
        self.stream(None)
    }

    /// Every deleted (restorable) user, fetched page by page as the stream is read: what
    /// PowerShell's `Get-PCCustomerUser -Deleted` lists.
    ///
    /// ```no_run
    /// # async fn example(partner: tenantdesk_client::Partner, customer: uuid::Uuid, id: uuid::Uuid) -> Result<(), tenantdesk_client::Error> {
    /// use futures::TryStreamExt as _;
    /// let users = partner.customers().by_id(customer).users();
    /// let deleted: Vec<_> = users.deleted().try_filter(|u| std::future::ready(u.id == id)).try_collect().await?;
    /// # Ok(()) }
    /// ```
    pub fn deleted(self) -> impl Stream<Item = Result<CustomerUser, Error>> + 'a {
        self.stream(Some(UserFilter::deleted_users()))
    }

    fn stream(self, filter: Option<UserFilter>) -> impl Stream<Item = Result<CustomerUser, Error>> + 'a {
        use futures::StreamExt as _;
        /// Where the listing is: before the first page, after a page with a next link, or done.
        enum State {
            Start(Option<UserFilter>),
            After(Collection<CustomerUser>),
        }
        let pages = futures::stream::try_unfold(Some(State::Start(filter)), move |state| async move {
            let page = match state {
                None => return Ok(None),
                Some(State::Start(filter)) => self.first_page(0, filter).await?,
                Some(State::After(previous)) => match self.next_page(&previous).await? {
                    Some(page) => page,
                    None => return Ok(None),
                },
            };
            let items = page.items.clone();
            let next = page.links.next.is_some().then_some(State::After(page));
            Ok::<_, Error>(Some((items, next)))
        });
        pages
            .map(|page| match page {
                Ok(items) => futures::stream::iter(items.into_iter().map(Ok)).left_stream(),
                Err(error) => futures::stream::once(async { Err(error) }).right_stream(),
            })
            .flatten()
    }

    /// Uploads users from a CSV data file (header `First name,Last name,Display name,Email,Status
    /// update`, at most 100 rows), all with usage location `location`; with `validate_only`,
    /// only checks it. All are created or none; each gets a temporary password, in this answer only.
    ///
    /// ```no_run
    /// # async fn example(partner: tenantdesk_client::Partner, customer: uuid::Uuid) -> Result<(), tenantdesk_client::Error> {
    /// let file = std::fs::read("users.csv").expect("the file");
    /// let checked = partner.customers().by_id(customer).users().import(&file, "US", true).await?;
    /// println!("{} users, all valid", checked.total_count);
    /// # Ok(()) }
    /// ```
    pub async fn import(self, file: &[u8], location: &str, validate_only: bool) -> Result<UserImport, Error> {
        let query = [
            ("usageLocation", location.to_owned()),
            ("validateOnly", validate_only.to_string()),
        ];
        let request = Request::new(Method::POST, format!("{}/import", self.path()))
            .query(&query)
            .raw(file, "text/csv");
        self.partner.call(request).await
    }

    /// Uploads users from a CSV data file like [`Users::import`], and returns the file to hand on:
    /// the same columns, `Status update` filled in, and a `Temporary password` column.
    ///
    /// ```no_run
    /// # async fn example(partner: tenantdesk_client::Partner, customer: uuid::Uuid) -> Result<(), tenantdesk_client::Error> {
    /// let file = std::fs::read("users.csv").expect("the file");
    /// let passwords = partner.customers().by_id(customer).users().import_csv(&file, "US").await?;
    /// # Ok(()) }
    /// ```
    pub async fn import_csv(self, file: &[u8], location: &str) -> Result<String, Error> {
        let query = [("usageLocation", location.to_owned())];
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            reqwest::header::ACCEPT,
            reqwest::header::HeaderValue::from_static("text/csv"),
        );
        let request = Request::new(Method::POST, format!("{}/import", self.path()))
            .query(&query)
            .raw(file, "text/csv")
            .headers(headers);
        self.partner.call_text(request).await
    }

    /// One user, by id.
    ///
    /// ```no_run
    /// # async fn example(partner: tenantdesk_client::Partner, customer: uuid::Uuid, id: uuid::Uuid) -> Result<(), tenantdesk_client::Error> {
    /// let user = partner.customers().by_id(customer).users().by_id(id).get().await?;
    /// # Ok(()) }
    /// ```
    pub fn by_id(self, id: Uuid) -> UserOperations<'a> {
        UserOperations {
            partner: self.partner,
            customer: self.customer,
            id,
        }
    }
}

/// The operations on one user: `partner.customers().by_id(c).users().by_id(u)`.
#[derive(Clone, Copy, Debug)]
pub struct UserOperations<'a> {
    partner: &'a Partner,
    customer: Uuid,
    id: Uuid,
}

impl UserOperations<'_> {
    fn path(&self) -> String {
        format!("/v1/customers/{}/users/{}", self.customer, self.id)
    }

    /// The user (404 once deleted).
    ///
    /// ```no_run
    /// # async fn example(partner: tenantdesk_client::Partner, customer: uuid::Uuid, id: uuid::Uuid) -> Result<(), tenantdesk_client::Error> {
    /// let user = partner.customers().by_id(customer).users().by_id(id).get().await?;
    /// println!("{} ({})", user.display_name, user.user_principal_name);
    /// # Ok(()) }
    /// ```
    pub async fn get(self) -> Result<CustomerUser, Error> {
        self.partner.call(Request::new(Method::GET, self.path())).await
    }

    /// Updates the user: absent fields stay as they are.
    ///
    /// ```no_run
    /// # async fn example(partner: tenantdesk_client::Partner, customer: uuid::Uuid, id: uuid::Uuid) -> Result<(), tenantdesk_client::Error> {
    /// use tenantdesk_client::CustomerUserRequest;
    /// let changes = CustomerUserRequest { usage_location: Some("GB".into()), ..Default::default() };
    /// partner.customers().by_id(customer).users().by_id(id).patch(&changes).await?;
    /// # Ok(()) }
    /// ```
    pub async fn patch(self, changes: &CustomerUserRequest) -> Result<CustomerUser, Error> {
        self.partner
            .call(Request::new(Method::PATCH, self.path()).body(changes))
            .await
    }

    /// Resets the user's password to `password`, or (with `None`) to a temporary password
    /// generated here from the operating system's CSPRNG for the user's name (16 characters, every
    /// character class, never containing the user name). The user must change it at next sign-in;
    /// the answer's `password_profile.password` carries it, once.
    ///
    /// ```no_run
    /// # async fn example(partner: tenantdesk_client::Partner, customer: uuid::Uuid, id: uuid::Uuid) -> Result<(), tenantdesk_client::Error> {
    /// let user = partner.customers().by_id(customer).users().by_id(id).reset_password(None).await?;
    /// let temporary = user.password_profile.and_then(|p| p.password).unwrap_or_default();
    /// # Ok(()) }
    /// ```
    pub async fn reset_password(self, password: Option<&str>) -> Result<CustomerUser, Error> {
        let password = match password {
            Some(password) => password.to_owned(),
            None => {
                let user = self.get().await?;
                let upn = tenantdesk_domain::UserPrincipalName::parse(&user.user_principal_name)
                    .map_err(|e| Error::Decode(format!("the user's principal name: {e}")))?;
                tenantdesk_domain::Password::generate(&upn).expose().to_owned()
            }
        };
        let changes = CustomerUserRequest {
            password_profile: Some(PasswordProfile {
                force_change_password: Some(true),
                password: Some(password),
            }),
            ..CustomerUserRequest::default()
        };
        self.patch(&changes).await
    }

    /// The directory roles the user is a member of.
    ///
    /// ```no_run
    /// # async fn example(partner: tenantdesk_client::Partner, customer: uuid::Uuid, id: uuid::Uuid) -> Result<(), tenantdesk_client::Error> {
    /// let roles = partner.customers().by_id(customer).users().by_id(id).directory_roles().await?;
    /// # Ok(()) }
    /// ```
    pub async fn directory_roles(self) -> Result<Collection<tenantdesk_wire::DirectoryRole>, Error> {
        self.partner
            .call(Request::new(Method::GET, format!("{}/directoryroles", self.path())))
            .await
    }

    /// Soft-deletes the user; it can be restored for 30 days.
    ///
    /// ```no_run
    /// # async fn example(partner: tenantdesk_client::Partner, customer: uuid::Uuid, id: uuid::Uuid) -> Result<(), tenantdesk_client::Error> {
    /// partner.customers().by_id(customer).users().by_id(id).delete().await?;
    /// # Ok(()) }
    /// ```
    pub async fn delete(self) -> Result<(), Error> {
        self.partner.send(Request::new(Method::DELETE, self.path())).await?;
        Ok(())
    }

    /// Restores a deleted user, as it was (`PATCH` with `state: active`).
    ///
    /// ```no_run
    /// # async fn example(partner: tenantdesk_client::Partner, customer: uuid::Uuid, id: uuid::Uuid) -> Result<(), tenantdesk_client::Error> {
    /// let user = partner.customers().by_id(customer).users().by_id(id).restore().await?;
    /// # Ok(()) }
    /// ```
    pub async fn restore(self) -> Result<CustomerUser, Error> {
        let changes = CustomerUserRequest {
            state: Some(UserState::Active),
            ..CustomerUserRequest::default()
        };
        self.patch(&changes).await
    }
}
