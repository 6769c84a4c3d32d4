//! TLS of the accept loop (`serve --tls-cert/--tls-key`): rustls on aws-lc-rs, the crypto
//! provider jsonwebtoken and sqlx use too, serving HTTP/1.1 only.

use std::sync::Arc;

pub use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// Why a certificate chain and key cannot serve TLS.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// The certificate file is not PEM.
    #[error("failed to read the certificate chain (PEM)")]
    Certificates(#[source] rustls::pki_types::pem::Error),
    /// The certificate file is PEM, but holds no certificate.
    #[error("the certificate file holds no certificate (PEM)")]
    NoCertificate,
    /// The key file is not PEM, or holds no private key.
    #[error("failed to read the private key (PEM)")]
    Key(#[source] rustls::pki_types::pem::Error),
    /// rustls offers none of the protocol versions asked for.
    #[error("failed to set the TLS protocol versions")]
    Versions(#[source] rustls::Error),
    /// The key is not the certificate's, or rustls cannot sign with it.
    #[error("the private key does not match the certificate, or is not usable")]
    Unusable(#[source] rustls::Error),
}

/// The TLS configuration of a certificate chain and its private key, both PEM (the key PKCS#8,
/// PKCS#1 or SEC1): TLS 1.2 and 1.3, ALPN `http/1.1`.
pub fn server_config(cert_chain_pem: &[u8], key_pem: &[u8]) -> Result<Arc<ServerConfig>, TlsError> {
    let chain = CertificateDer::pem_slice_iter(cert_chain_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(TlsError::Certificates)?;
    if chain.is_empty() {
        return Err(TlsError::NoCertificate);
    }
    let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(TlsError::Key)?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(TlsError::Versions)?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(TlsError::Unusable)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}
