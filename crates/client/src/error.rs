//! The SDK's error type.

/// Why a call failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The service answered with an error.
    #[error("{description} (HTTP {status}, code {code})")]
    Api {
        /// HTTP status.
        status: u16,
        /// Partner Center's error code (3000, 3001, 60002, …); 0 if the body had none.
        code: u32,
        /// The service's description of the error.
        description: String,
        /// Details, such as one line per invalid field.
        data: Vec<String>,
        /// The request's `MS-RequestId`.
        request_id: Option<String>,
        /// The request's `MS-CorrelationId`.
        correlation_id: Option<String>,
    },
    /// The service could not be reached, or the connection failed.
    #[error("cannot reach the service: {0}")]
    Transport(#[source] reqwest::Error),
    /// The answer was not what the API promises.
    #[error("unexpected answer from the service: {0}")]
    Decode(String),
    /// An environment variable [`Partner::from_env`](crate::Partner::from_env) reads is not set
    /// (or not Unicode).
    #[error("{0} is not set")]
    MissingEnv(&'static str),
}

impl Error {
    /// The HTTP status of an API error.
    ///
    /// ```no_run
    /// # async fn example(partner: tenantdesk_client::Partner) -> Result<(), tenantdesk_client::Error> {
    /// match partner.customers().by_id(uuid::Uuid::nil()).get().await {
    ///     Err(error) if error.status() == Some(404) => println!("no such customer"),
    ///     other => { other?; }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Api { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Partner Center's error code of an API error.
    ///
    /// ```no_run
    /// # async fn example(partner: tenantdesk_client::Partner, customer: uuid::Uuid) -> Result<(), tenantdesk_client::Error> {
    /// use tenantdesk_client::CustomerUserRequest;
    /// let result = partner.customers().by_id(customer).users().create(&CustomerUserRequest::default()).await;
    /// if let Err(error) = &result {
    ///     if error.code() == Some(3000) { println!("invalid: {error}"); }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn code(&self) -> Option<u32> {
        match self {
            Self::Api { code, .. } => Some(*code),
            _ => None,
        }
    }
}
