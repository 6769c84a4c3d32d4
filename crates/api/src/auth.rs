//! Bearer tokens: JWTs (HS256) signed with a key kept in the database, so that every instance of
//! the service accepts the tokens any of them, or the admin command, issued.

use std::collections::HashMap;
use std::sync::{PoisonError, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Context as _;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::{ExposeSecret, SecretBox};
use serde::{Deserialize, Serialize};
use tenantdesk_core::{App, instance};
use tenantdesk_domain::{Agent, AgentRole, PartnerId, Principal, UserPrincipalName};

use crate::AppError;

const ISSUER: &str = "tenantdesk";
const AUDIENCE: &str = "tenantdesk";
const SIGNING_KEY_SETTING: &str = "token-signing-key";

#[derive(Serialize, Deserialize)]
struct Claims {
    iss: String,
    aud: String,
    /// The agent's UPN, or the partner id for app-only tokens.
    sub: String,
    /// The partner.
    tid: String,
    /// The agent's role; absent for app-only tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    role: Option<String>,
    /// `app` for app-only tokens, `app+user` otherwise (Azure AD's token kinds).
    idtyp: String,
    iat: u64,
    exp: u64,
    jti: String,
}

/// How many verified tokens [`TokenKeys`] remembers before it forgets them all.
const VERIFIED_TOKENS: usize = 10_000;

/// The service's token key: issues and verifies bearer tokens.
///
/// A token's signature and claims are checked once; the principal of a token that passed is
/// remembered with its expiry (a token is a pure function of the key, so nothing another
/// instance does can make the answer stale), and a later request with the same token only looks
/// it up and checks the expiry. At most 10,000 are kept.
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    secret: SecretBox<Vec<u8>>,
    verified: RwLock<HashMap<Box<str>, (Principal, u64)>>,
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKeys(<redacted>)")
    }
}

impl TokenKeys {
    /// Loads the signing key from the database, creating it on first use. Concurrent first uses by
    /// several instances agree on one key: the first insert wins and everyone reads it back.
    pub async fn load(app: &App) -> anyhow::Result<Self> {
        let stored = instance::setting_or_insert(app, SIGNING_KEY_SETTING, || {
            URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
        })
        .await?;
        let secret = URL_SAFE_NO_PAD
            .decode(stored)
            .context("the stored token signing key is corrupt")?;
        Ok(Self::from_secret(secret))
    }

    /// The keys of the signing key `secret`.
    pub(crate) fn from_secret(secret: Vec<u8>) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 0;
        Self {
            encoding: EncodingKey::from_secret(&secret),
            decoding: DecodingKey::from_secret(&secret),
            validation,
            secret: SecretBox::new(Box::new(secret)),
            verified: RwLock::new(HashMap::new()),
        }
    }

    /// Signs arbitrary `claims` as this service would: lets the fuzz target reach the claims'
    /// checks behind a valid signature.
    pub(crate) fn sign_claims(&self, claims: &serde_json::Value) -> anyhow::Result<String> {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding).context("failed to sign a token")
    }

    /// A token for `principal`, valid for `ttl` from now.
    pub fn issue(&self, principal: &Principal, ttl: Duration) -> anyhow::Result<String> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .context("the system clock is before 1970")?;
        self.issue_at(principal, now.as_secs(), ttl)
    }

    /// A token for `principal` issued at `issued_at` (Unix seconds), valid for `ttl`: lets tests
    /// make a token that has already expired.
    pub fn issue_at(&self, principal: &Principal, issued_at: u64, ttl: Duration) -> anyhow::Result<String> {
        let (sub, role, idtyp) = match &principal.agent {
            Some(agent) => (agent.upn.clone(), Some(agent.role.as_str().to_owned()), "app+user"),
            None => (principal.partner.to_string(), None, "app"),
        };
        let claims = Claims {
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
            sub,
            tid: principal.partner.to_string(),
            role,
            idtyp: idtyp.to_owned(),
            iat: issued_at,
            exp: issued_at + ttl.as_secs(),
            jti: uuid::Uuid::new_v4().to_string(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding).context("failed to sign a token")
    }

    /// The principal a token stands for, or why it is not valid.
    pub fn verify(&self, token: &str) -> Result<Principal, String> {
        // As jsonwebtoken's check with no leeway: valid up to and including its `exp` second.
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(u64::MAX, |since| since.as_secs());
        let remembered = self.verified.read().unwrap_or_else(PoisonError::into_inner);
        if let Some((principal, expires)) = remembered.get(token)
            && now <= *expires
        {
            return Ok(principal.clone());
        }
        drop(remembered);
        let (principal, expires) = self.verify_signed(token)?;
        let mut remembered = self.verified.write().unwrap_or_else(PoisonError::into_inner);
        if remembered.len() >= VERIFIED_TOKENS {
            remembered.clear();
        }
        remembered.insert(token.into(), (principal.clone(), expires));
        Ok(principal)
    }

    /// The principal of a token and its expiry, checked from its signature on.
    fn verify_signed(&self, token: &str) -> Result<(Principal, u64), String> {
        let data =
            jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation).map_err(|e| e.to_string())?;
        let claims = data.claims;
        let expires = claims.exp;
        let partner: PartnerId = claims
            .tid
            .parse()
            .map_err(|_| "the partner claim is not an id".to_owned())?;
        let agent = match (claims.idtyp.as_str(), claims.role) {
            ("app", None) => None,
            ("app+user", Some(role)) => Some(Agent {
                upn: claims.sub,
                role: role.parse::<AgentRole>()?,
            }),
            _ => return Err("the token's identity type and role do not agree".to_owned()),
        };
        Ok((Principal { partner, agent }, expires))
    }

    /// A key derived from the signing key for another purpose (continuation tokens), so that
    /// knowing one does not give the other.
    pub fn derive_key(&self, purpose: &str) -> anyhow::Result<Vec<u8>> {
        use hmac::Mac as _;
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(self.secret.expose_secret())
            .map_err(|e| anyhow::anyhow!("invalid HMAC key: {e}"))?;
        mac.update(purpose.as_bytes());
        Ok(mac.finalize().into_bytes().to_vec())
    }
}

/// Issues a bearer token signed with `keys` for an agent of `partner` (`agent` = UPN and role), or
/// an app-only one, valid for `ttl` (the `token issue` administration command, and the demo's
/// token). The binary has made sure the partner exists.
pub fn issue_token(
    keys: &TokenKeys,
    partner: PartnerId,
    agent: Option<(&str, AgentRole)>,
    ttl: Duration,
) -> Result<String, AppError> {
    let agent = agent
        .map(|(upn, role)| {
            UserPrincipalName::parse(upn)
                .map(|upn| Agent {
                    upn: upn.to_string(),
                    role,
                })
                .map_err(|e| AppError::invalid("user", e))
        })
        .transpose()?;
    Ok(keys.issue(&Principal { partner, agent }, ttl)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> TokenKeys {
        TokenKeys::from_secret(vec![7; 32])
    }

    fn agent() -> Principal {
        Principal {
            partner: PartnerId::new(),
            agent: Some(Agent {
                upn: "agent@fabrikam.com".to_owned(),
                role: AgentRole::AdminAgent,
            }),
        }
    }

    /// A remembered token is answered from memory until its expiry, and checked again after.
    #[test]
    fn a_remembered_token_is_answered_until_it_expires() {
        let keys = keys();
        let principal = agent();
        let token = keys.issue(&principal, Duration::from_secs(600)).unwrap();
        assert_eq!(keys.verify(&token).unwrap(), principal);
        let remember = |expires: u64, who: &Principal| {
            let mut remembered = keys.verified.write().unwrap();
            remembered.insert(token.as_str().into(), (who.clone(), expires));
        };
        // A marker principal tells whether the answer came from memory.
        let marker = Principal {
            partner: PartnerId::new(),
            agent: None,
        };
        remember(u64::MAX, &marker);
        assert_eq!(keys.verify(&token).unwrap(), marker, "answered from memory");
        remember(1, &marker);
        assert_eq!(
            keys.verify(&token).unwrap(),
            principal,
            "expired in memory: checked again"
        );
    }

    /// Only the exact token that was checked is remembered: a changed one, or one signed with
    /// another key, is checked (and refused) as ever.
    #[test]
    fn only_checked_tokens_are_remembered() {
        let keys = keys();
        let token = keys.issue(&agent(), Duration::from_secs(600)).unwrap();
        keys.verify(&token).unwrap();
        let mut tampered = token.clone();
        tampered.pop();
        assert!(keys.verify(&tampered).is_err());
        let theirs = TokenKeys::from_secret(vec![8; 32]);
        assert!(theirs.verify(&token).is_err());
    }
}
