//! `partner.customers().by_id(c).users()`: a customer's users.

use futures::Stream;
use reqwest::Method;
use tenantdesk_wire::{
    Collection, CustomerUser, CustomerUserRequest, PasswordProfile, UserFilter, UserImport, UserState,
};
use uuid::Uuid;

use crate::{Error, Partner, Request};

/// A customer's users.
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
    pub async fn create(self, user: &CustomerUserRequest) -> Result<CustomerUser, Error> {
        self.partner
            .call(Request::new(Method::POST, self.path()).body(user))
            .await
    }

    /// The first page of active users, `size` per page (0 for the service's default, 100).
    pub async fn page(self, size: u32) -> Result<Collection<CustomerUser>, Error> {
        self.first_page(size, None).await
    }

    /// The first page of deleted users, `size` per page.
    pub async fn deleted_page(self, size: u32) -> Result<Collection<CustomerUser>, Error> {
        self.first_page(size, Some(UserFilter::deleted_users())).await
    }

    async fn first_page(&self, size: u32, filter: Option<UserFilter>) -> Result<Collection<CustomerUser>, Error> {
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
    pub async fn next_page(self, page: &Collection<CustomerUser>) -> Result<Option<Collection<CustomerUser>>, Error> {
        self.partner.follow_next(page).await
    }

    /// Every active user, fetched page by page (100 at a time) as the stream is read.
    pub fn list(self) -> impl Stream<Item = Result<CustomerUser, Error>> + 'a {
        self.stream(None)
    }

    /// Every deleted (restorable) user, fetched page by page as the stream is read: what
    /// PowerShell's `Get-PCCustomerUser -Deleted` lists.
    pub fn deleted(self) -> impl Stream<Item = Result<CustomerUser, Error>> + 'a {
        self.stream(Some(UserFilter::deleted_users()))
    }

    fn stream(self, filter: Option<UserFilter>) -> impl Stream<Item = Result<CustomerUser, Error>> + 'a {
        use futures::StreamExt as _;
        let users = self;
        let pages = futures::stream::try_unfold(Some(None), move |state: Option<Option<Collection<CustomerUser>>>| {
            let filter = filter.clone();
            async move {
                let page = match state {
                    None => return Ok(None),
                    Some(None) => users.first_page(0, filter).await?,
                    Some(Some(previous)) => match users.next_page(&previous).await? {
                        Some(page) => page,
                        None => return Ok(None),
                    },
                };
                let items = page.items.clone();
                let next_state = if page.links.next.is_some() {
                    Some(Some(page))
                } else {
                    None
                };
                Ok(Some((items, next_state)))
            }
        });
        pages
            .map(|page: Result<Vec<CustomerUser>, Error>| match page {
                Ok(items) => futures::stream::iter(items.into_iter().map(Ok)).left_stream(),
                Err(error) => futures::stream::once(async { Err(error) }).right_stream(),
            })
            .flatten()
    }

    /// Uploads users from a CSV data file (header `First name,Last name,Display name,Email,Status
    /// update`, at most 100 rows), all with usage location `location`; with `validate_only`,
    /// only checks it. All are created or none; each gets a temporary password, in this answer only.
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
    pub fn by_id(self, id: Uuid) -> UserOperations<'a> {
        UserOperations {
            partner: self.partner,
            customer: self.customer,
            id,
        }
    }
}

/// The operations on one user.
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

    /// The user.
    pub async fn get(self) -> Result<CustomerUser, Error> {
        self.partner.call(Request::new(Method::GET, self.path())).await
    }

    /// Updates the user: absent fields stay as they are.
    pub async fn patch(self, changes: &CustomerUserRequest) -> Result<CustomerUser, Error> {
        self.partner
            .call(Request::new(Method::PATCH, self.path()).body(changes))
            .await
    }

    /// Sets a new password (`Some`), which the user must change at next sign-in. The answer's
    /// `password_profile` carries it.
    pub async fn reset_password(self, password: &str) -> Result<CustomerUser, Error> {
        let changes = CustomerUserRequest {
            password_profile: Some(PasswordProfile {
                force_change_password: Some(true),
                password: Some(password.to_owned()),
            }),
            ..CustomerUserRequest::default()
        };
        self.patch(&changes).await
    }

    /// The directory roles the user is a member of.
    pub async fn directory_roles(self) -> Result<Collection<tenantdesk_wire::DirectoryRole>, Error> {
        self.partner
            .call(Request::new(Method::GET, format!("{}/directoryroles", self.path())))
            .await
    }

    /// Soft-deletes the user; it can be restored for 30 days.
    pub async fn delete(self) -> Result<(), Error> {
        self.partner.send(Request::new(Method::DELETE, self.path())).await?;
        Ok(())
    }

    /// Restores a deleted user.
    pub async fn restore(self) -> Result<CustomerUser, Error> {
        let changes = CustomerUserRequest {
            state: Some(UserState::Active),
            ..CustomerUserRequest::default()
        };
        self.patch(&changes).await
    }
}
