//! Ed25519 keys: `lawful keygen` makes a pair, `lawful sign` signs a
//! policy with the secret one, `lawful serve --trusted-key` checks policy
//! signatures with public ones, and `--log-key` signs the decision log's
//! checkpoints.
//!
//! Keys are PEM files: the secret key PKCS#8 (`-----BEGIN PRIVATE KEY-----`)
//! and the public key SPKI (`-----BEGIN PUBLIC KEY-----`), the files that
//! `openssl genpkey -algorithm ed25519` and `openssl pkey -pubout` write, so
//! keys can be made and kept with the usual tools. A key is named by its
//! id, `ed25519:` and the first 32 hex digits of the SHA-256 of its 32
//! public bytes.
//!
//! A policy's signature is a detached file (`POLICY.sig`), one JSON object:
//! `{"key": ID, "sha256": HASH, "signature": HEX}`, where `signature` is
//! the Ed25519 signature of the domain string `lawful policy signature v1`,
//! a newline and the 32 bytes of the SHA-256 of the policy file's exact
//! bytes. `sha256` repeats the hash, so a signature for another text is
//! named as such.

use std::io::Write as _;
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::{Path, PathBuf};

use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::chain::{hex, unhex};
use crate::files::{self, Fail};

/// The largest key or signature file read (a PEM key is about 120 bytes).
const MAX_KEY_FILE: u64 = 16 << 10;

/// What a policy signature signs, before the policy's hash.
const POLICY_DOMAIN: &[u8] = b"lawful policy signature v1\n";

/// A secret key, with its id.
#[derive(Clone)]
pub(crate) struct SecretKey {
    key: SigningKey,
    id: String,
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the secret.
        write!(f, "SecretKey({})", self.id)
    }
}

/// A public key, with its id.
#[derive(Clone, Debug)]
pub(crate) struct PublicKey {
    key: VerifyingKey,
    id: String,
}

/// The id of a public key: `ed25519:` and 32 hex digits of its SHA-256.
pub(crate) fn key_id(public: &VerifyingKey) -> String {
    let digest = Sha256::digest(public.to_bytes());
    let mut id = String::from("ed25519:");
    id.push_str(&hex(digest.get(..16).unwrap_or_default()));
    id
}

/// Reads a small text file (a key or a signature), refusing what is not a
/// regular file and what is larger than it should be.
fn read_small(path: &Path, what: &str) -> Result<String, Fail> {
    let bytes = files::read_regular(path, MAX_KEY_FILE)?;
    String::from_utf8(bytes).map_err(|_| {
        Fail::new(format!(
            "cannot read {what} `{}`: it is not UTF-8 text",
            path.display()
        ))
    })
}

impl SecretKey {
    /// Reads a secret key (PEM, PKCS#8).
    pub(crate) fn read(path: &Path) -> Result<SecretKey, Fail> {
        let text = read_small(path, "the key")?;
        let key = SigningKey::from_pkcs8_pem(text.trim()).map_err(|_| {
            let public = text.contains("BEGIN PUBLIC KEY");
            Fail::new(format!(
                "`{}` is not an ed25519 secret key (a PEM `PRIVATE KEY`, as `lawful keygen` or \
                 `openssl genpkey -algorithm ed25519` writes){}",
                path.display(),
                if public { "; it is a public key" } else { "" }
            ))
        })?;
        let id = key_id(&key.verifying_key());
        Ok(SecretKey { key, id })
    }

    /// The key's id (that of its public half).
    pub(crate) fn id(&self) -> &str {
        &self.id
    }

    /// Its public half, in hex (what a checkpoint carries).
    pub(crate) fn public_hex(&self) -> String {
        hex(&self.key.verifying_key().to_bytes())
    }

    /// Signs `message`; the signature in hex.
    pub(crate) fn sign_hex(&self, message: &[u8]) -> String {
        hex(&self.key.sign(message).to_bytes())
    }
}

impl PublicKey {
    /// Reads a public key (PEM, SPKI); a secret key file is refused.
    pub(crate) fn read(path: &Path) -> Result<PublicKey, Fail> {
        let text = read_small(path, "the key")?;
        if text.contains("PRIVATE KEY") {
            return Err(Fail::new(format!(
                "`{}` is a secret key; give its public key (`{}.pub` from `lawful keygen`)",
                path.display(),
                path.display()
            )));
        }
        let key = VerifyingKey::from_public_key_pem(text.trim()).map_err(|_| {
            Fail::new(format!(
                "`{}` is not an ed25519 public key (a PEM `PUBLIC KEY`, as `lawful keygen` \
                 writes to KEY.pub)",
                path.display()
            ))
        })?;
        Ok(PublicKey::from_key(key))
    }

    fn from_key(key: VerifyingKey) -> PublicKey {
        PublicKey {
            id: key_id(&key),
            key,
        }
    }

    /// The key's id.
    pub(crate) fn id(&self) -> &str {
        &self.id
    }

    /// The key itself.
    pub(crate) fn verifying_key(&self) -> VerifyingKey {
        self.key
    }

    /// Whether `signature` (hex) is this key's signature of `message`.
    pub(crate) fn verifies(&self, message: &[u8], signature: &str) -> bool {
        let Some(bytes) = unhex::<64>(signature.as_bytes()) else {
            return false;
        };
        let signature = Signature::from_bytes(&bytes);
        self.key.verify(message, &signature).is_ok()
    }
}

/// The detached signature of a policy file.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicySignature {
    key: String,
    sha256: String,
    signature: String,
}

/// What a policy signature signs: the domain string and the text's hash.
fn policy_message(text: &[u8]) -> Vec<u8> {
    let mut message = POLICY_DOMAIN.to_vec();
    message.extend_from_slice(&Sha256::digest(text));
    message
}

/// The signature file of a policy: `POLICY.sig`.
pub(crate) fn signature_path(policy: &Path) -> PathBuf {
    let mut name = policy.as_os_str().to_owned();
    name.push(".sig");
    PathBuf::from(name)
}

/// The signature document for a policy's text, as `lawful sign` writes it.
pub(crate) fn sign_policy(key: &SecretKey, text: &[u8]) -> String {
    let doc = PolicySignature {
        key: key.id().to_owned(),
        sha256: crate::audit_log::policy_hash_bytes(text),
        signature: key.sign_hex(&policy_message(text)),
    };
    let mut line = serde_json::to_string(&doc).unwrap_or_default();
    line.push('\n');
    line
}

/// Checks a policy's signature document against the trusted keys: the id
/// of the key that signed it, or why it does not verify.
pub(crate) fn verify_policy(
    text: &[u8],
    signature: &str,
    trusted: &[PublicKey],
) -> Result<String, String> {
    let doc: PolicySignature = serde_json::from_str(signature.trim()).map_err(|e| {
        format!("the signature file is not a policy signature of `lawful sign`: {e}")
    })?;
    let hash = crate::audit_log::policy_hash_bytes(text);
    if doc.sha256 != hash {
        return Err(format!(
            "the signature is for another text (sha256 {}), not this one (sha256 {hash})",
            shorten(&doc.sha256)
        ));
    }
    let Some(key) = trusted.iter().find(|k| k.id() == doc.key) else {
        return Err(format!(
            "it is signed with key `{}`, which is not trusted (see `--trusted-key`)",
            shorten(&doc.key)
        ));
    };
    if key.verifies(&policy_message(text), &doc.signature) {
        Ok(key.id().to_owned())
    } else {
        Err(format!(
            "its signature does not verify with the trusted key `{}`",
            key.id()
        ))
    }
}

/// At most 80 characters of a value read from a file, for a message.
fn shorten(text: &str) -> String {
    let cleaned: String = text.chars().filter(|c| !c.is_control()).take(80).collect();
    cleaned
}

/// `lawful keygen KEY`: a new key pair, the secret key in KEY (mode 0600,
/// never over an existing file) and the public key in KEY.pub; prints the
/// key's id.
pub(crate) fn keygen(path: &Path) -> Result<std::process::ExitCode, Fail> {
    let mut seed = [0_u8; 32];
    getrandom::fill(&mut seed)
        .map_err(|e| Fail::new(format!("cannot get random bytes for a key: {e}")))?;
    let key = SigningKey::from_bytes(&seed);
    let secret = key
        .to_pkcs8_pem(ed25519_dalek::pkcs8::spki::der::pem::LineEnding::LF)
        .map_err(|e| Fail::new(format!("cannot encode the key: {e}")))?;
    let public = key
        .verifying_key()
        .to_public_key_pem(ed25519_dalek::pkcs8::spki::der::pem::LineEnding::LF)
        .map_err(|e| Fail::new(format!("cannot encode the key: {e}")))?;
    let public_path = {
        let mut name = path.as_os_str().to_owned();
        name.push(".pub");
        PathBuf::from(name)
    };
    write_new(path, secret.as_bytes(), 0o600)?;
    write_new(&public_path, public.as_bytes(), 0o644)?;
    files::emit(
        &format!(
            "{}\nsecret key `{}`, public key `{}`\n",
            key_id(&key.verifying_key()),
            path.display(),
            public_path.display()
        ),
        std::process::ExitCode::SUCCESS,
    )
}

/// Creates a file that must not exist yet (a key is never overwritten).
fn write_new(path: &Path, bytes: &[u8], mode: u32) -> Result<(), Fail> {
    let cannot = |e: &std::io::Error| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            Fail::new(format!(
                "`{}` exists already; a key is never written over",
                path.display()
            ))
        } else {
            Fail::new(format!(
                "cannot write `{}`: {}",
                path.display(),
                files::io_words(e)
            ))
        }
    };
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
        .map_err(|e| cannot(&e))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| cannot(&e))
}

/// `lawful sign --key KEY POLICY`: writes POLICY.sig (or `--output`); prints
/// the key's id and the policy's hash.
pub(crate) fn sign(
    key: &Path,
    policy: &Path,
    output: Option<&Path>,
) -> Result<std::process::ExitCode, Fail> {
    let key = SecretKey::read(key)?;
    let text = files::read_policy_bytes(policy)?;
    // A policy that does not load is not worth a signature.
    let source = String::from_utf8(text.clone()).map_err(|_| {
        Fail::new(format!(
            "cannot read `{}`: it is not UTF-8 text",
            policy.display()
        ))
    })?;
    files::load_text(&policy.display().to_string(), &source).map_err(|e| {
        let count = e.diagnostics().len();
        let errors = if count == 1 { "error" } else { "errors" };
        Fail::with_details(
            e.to_string(),
            format!(
                "policy `{}` has {count} {errors}; it was not signed",
                policy.display()
            ),
        )
    })?;
    let target = output.map_or_else(|| signature_path(policy), Path::to_path_buf);
    let document = sign_policy(&key, &text);
    // Written whole: to a temporary file, then renamed into place.
    let mut tmp = target.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, document.as_bytes())
        .and_then(|()| std::fs::rename(&tmp, &target))
        .map_err(|e| {
            Fail::new(format!(
                "cannot write `{}`: {}",
                target.display(),
                files::io_words(&e)
            ))
        })?;
    files::emit(
        &format!(
            "signed `{}` (sha256 {}) with key {} into `{}`\n",
            policy.display(),
            crate::audit_log::policy_hash_bytes(&text),
            key.id(),
            target.display()
        ),
        std::process::ExitCode::SUCCESS,
    )
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        reason = "tests: a failed unwrap is a failed test"
    )]

    use super::*;

    fn pair() -> (SecretKey, PublicKey) {
        let key = SigningKey::from_bytes(&[7; 32]);
        let public = PublicKey::from_key(key.verifying_key());
        let secret = SecretKey {
            id: key_id(&key.verifying_key()),
            key,
        };
        (secret, public)
    }

    #[test]
    fn a_policy_signature_verifies_only_for_its_text_and_a_trusted_key() {
        let (secret, public) = pair();
        let text = b"[policy]\nid = \"x\"\n";
        let signature = sign_policy(&secret, text);
        assert_eq!(
            verify_policy(text, &signature, std::slice::from_ref(&public)),
            Ok(public.id().to_owned())
        );
        let other = verify_policy(
            b"[policy]\nid = \"y\"\n",
            &signature,
            std::slice::from_ref(&public),
        );
        assert!(other.unwrap_err().contains("for another text"));
        let stranger = PublicKey::from_key(SigningKey::from_bytes(&[8; 32]).verifying_key());
        let untrusted = verify_policy(text, &signature, &[stranger]);
        assert!(untrusted.unwrap_err().contains("not trusted"));
        // A signature changed by one digit.
        let forged = signature.replacen("\"signature\":\"", "\"signature\":\"0", 1);
        let forged = forged.replacen('0', "", 1);
        assert!(verify_policy(text, &forged, &[public]).is_err());
    }

    #[test]
    fn a_key_id_names_the_public_key() {
        let (secret, public) = pair();
        assert_eq!(secret.id(), public.id());
        assert!(secret.id().starts_with("ed25519:"));
        assert_eq!(secret.id().len(), "ed25519:".len() + 32);
        let bytes = crate::chain::unhex::<32>(secret.public_hex().as_bytes()).unwrap();
        let again = PublicKey::from_key(VerifyingKey::from_bytes(&bytes).unwrap());
        assert_eq!(again.id(), public.id());
    }
}
