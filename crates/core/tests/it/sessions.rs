//! Sign-in, throttling, sessions, sign-out and password changes of the console's agents.

use std::net::IpAddr;

use chrono::TimeDelta;
use tenantdesk_core::sessions::{self, ABSOLUTE, IDLE, SessionToken, SignInError, SignedIn};
use tenantdesk_core::{Error, purge};
use tenantdesk_domain::{AgentRole, FieldError, Operation, Outcome};

use super::{ADDRESS_LOCK_AFTER, LOCK_AFTER, TestApp, ids, spawn_app, stored};

const ANA: &str = "ana@fabrikam.example";
const NEW_PASSWORD: &str = "Blue-Harbor-42";

async fn sign_in(t: &TestApp, username: &str, password: &str) -> Result<SignedIn, SignInError> {
    sessions::sign_in(&t.app, username, password, None, &ids()).await
}

async fn sign_in_from(t: &TestApp, username: &str, password: &str, address: &str) -> Result<SignedIn, SignInError> {
    let address: IpAddr = address.parse().unwrap();
    sessions::sign_in(&t.app, username, password, Some(address), &ids()).await
}

async fn resumes(t: &TestApp, token: &SessionToken) -> bool {
    sessions::resume(&t.app, token).await.unwrap().is_some()
}

#[track_caller]
fn assert_incorrect(result: Result<SignedIn, SignInError>) {
    assert!(matches!(result, Err(SignInError::Incorrect)), "{result:?}");
}

#[track_caller]
fn assert_locked_out(result: Result<SignedIn, SignInError>) {
    assert!(matches!(result, Err(SignInError::LockedOut { .. })), "{result:?}");
}

/// The (operation, outcome, actor) of each audit record, oldest first.
async fn audited(t: &TestApp) -> Vec<(Operation, Outcome, String)> {
    t.audit()
        .await
        .into_iter()
        .map(|r| (r.operation, r.outcome, r.actor))
        .collect()
}

#[track_caller]
fn fields(error: &Error) -> Vec<&str> {
    match error {
        Error::Invalid(problems) => problems.iter().map(|FieldError { field, .. }| field.as_str()).collect(),
        other => panic!("not a validation error: {other:?}"),
    }
}

#[tokio::test]
async fn an_agent_signs_in_with_its_one_time_password_as_its_own_principal() {
    let t = spawn_app().await;
    let ana = t.agent("Ana@Fabrikam.example", AgentRole::HelpdeskAgent).await;
    let ids = ids();
    let signed_in = sessions::sign_in(&t.app, " ana@FABRIKAM.example ", ana.password.expose(), None, &ids)
        .await
        .unwrap();
    assert_eq!(signed_in.session.agent, stored(&ana.agent));
    assert!(signed_in.session.agent.must_change_password);
    let caller = signed_in.session.caller(ids.clone());
    assert_eq!(caller.principal, ana.agent.principal());
    assert_eq!(caller.principal.actor(), ANA);

    let resumed = sessions::resume(&t.app, &signed_in.token).await.unwrap().unwrap();
    assert_eq!(resumed.agent, stored(&ana.agent));
    assert!(!resumes(&t, &SessionToken::from_cookie("forged")).await);

    let records = t.audit().await;
    let sign_in = records.last().unwrap();
    assert_eq!(
        (&sign_in.operation, &sign_in.outcome, sign_in.actor.as_str()),
        (&Operation::AgentSignIn, &Outcome::Success, ANA)
    );
    assert_eq!(sign_in.resource.as_deref(), Some(ANA));
    assert_eq!(sign_in.request_id.as_deref(), Some(ids.request_id.as_str()));
    assert_eq!(sign_in.correlation_id.as_deref(), Some(ids.correlation_id.as_str()));
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_username_get_the_same_answer() {
    let t = spawn_app().await;
    let ana = t.agent(ANA, AgentRole::AdminAgent).await;
    let wrong = sign_in(&t, ANA, "Wrong-Password-1").await.unwrap_err();
    let unknown = sign_in(&t, "nobody@fabrikam.example", ana.password.expose())
        .await
        .unwrap_err();
    let nonsense = sign_in(&t, "not a username", ana.password.expose()).await.unwrap_err();
    assert!(matches!(wrong, SignInError::Incorrect), "{wrong:?}");
    for other in [&unknown, &nonsense] {
        assert!(matches!(other, SignInError::Incorrect), "{other:?}");
        assert_eq!(other.to_string(), wrong.to_string());
    }
    assert_eq!(
        audited(&t).await,
        vec![
            (Operation::CreateAgent, Outcome::Success, "tenantdesk-admin".to_owned()),
            (Operation::AgentSignIn, Outcome::Failure, ANA.to_owned()),
        ],
        "an unknown username names no partner: no record"
    );
}

#[tokio::test]
async fn repeated_failures_lock_the_agent_out_until_the_lock_ends() {
    let t = spawn_app().await;
    let ana = t.agent(ANA, AgentRole::AdminAgent).await;
    for _ in 1..LOCK_AFTER {
        assert_incorrect(sign_in(&t, ANA, "Wrong-Password-1").await);
    }
    let lock_for = t.app.config().sign_in.lock_for;
    match sign_in(&t, ANA, "Wrong-Password-1").await {
        Err(SignInError::LockedOut { until }) => {
            let left = until - t.app.now();
            assert!(left > lock_for - TimeDelta::seconds(5) && left <= lock_for, "{left}");
        }
        other => panic!("{other:?}"),
    }
    let expected = (0..LOCK_AFTER)
        .map(|_| (Operation::AgentSignIn, Outcome::Failure, ANA.to_owned()))
        .chain([(Operation::AgentLockedOut, Outcome::Success, ANA.to_owned())])
        .collect::<Vec<_>>();
    // The last failure and the lock-out happen at the same instant: in either order.
    let mut records = audited(&t).await[1..].to_vec();
    records.sort_by(|(a, ..), (b, ..)| a.as_str().cmp(b.as_str()));
    let mut expected = expected;
    expected.sort_by(|(a, ..), (b, ..)| a.as_str().cmp(b.as_str()));
    assert_eq!(records, expected);

    // Refused even with the right password, and the refusal is audited.
    assert_locked_out(sign_in(&t, ANA, ana.password.expose()).await);
    assert_eq!(
        audited(&t).await.last().unwrap(),
        &(Operation::AgentSignIn, Outcome::Failure, ANA.to_owned())
    );
    t.clock.advance(lock_for - TimeDelta::seconds(5));
    assert_locked_out(sign_in(&t, ANA, ana.password.expose()).await);

    t.clock.advance(TimeDelta::seconds(6));
    sign_in(&t, ANA, ana.password.expose()).await.unwrap();
    // A success starts the count again.
    for _ in 1..LOCK_AFTER {
        assert_incorrect(sign_in(&t, ANA, "Wrong-Password-1").await);
    }
    sign_in(&t, ANA, ana.password.expose()).await.unwrap();
}

#[tokio::test]
async fn an_unknown_username_is_locked_out_like_a_known_one() {
    let t = spawn_app().await;
    t.agent(ANA, AgentRole::AdminAgent).await;
    for username in [ANA, "nobody@fabrikam.example"] {
        for _ in 1..LOCK_AFTER {
            assert_incorrect(sign_in(&t, username, "Wrong-Password-1").await);
        }
        assert_locked_out(sign_in(&t, username, "Wrong-Password-1").await);
        assert_locked_out(sign_in(&t, &username.to_uppercase(), "Wrong-Password-1").await);
    }
}

#[tokio::test]
async fn a_client_address_is_locked_out_after_failures_with_any_username() {
    let t = spawn_app().await;
    let ana = t.agent(ANA, AgentRole::AdminAgent).await;
    let here = "2001:db8:1:2::7";
    for i in 1..ADDRESS_LOCK_AFTER {
        let guess = format!("guess{i}@fabrikam.example");
        assert_incorrect(sign_in_from(&t, &guess, "Wrong-Password-1", here).await);
    }
    // Another host of the same /64 counts as the same client.
    assert_locked_out(sign_in_from(&t, "guess@fabrikam.example", "Wrong-Password-1", "2001:db8:1:2::9").await);
    assert_locked_out(sign_in_from(&t, ANA, ana.password.expose(), here).await);
    sign_in_from(&t, ANA, ana.password.expose(), "2001:db8:1:3::7")
        .await
        .unwrap();
    sign_in_from(&t, ANA, ana.password.expose(), "192.0.2.7").await.unwrap();

    t.clock.advance(t.app.config().sign_in.lock_for + TimeDelta::seconds(1));
    sign_in_from(&t, ANA, ana.password.expose(), here).await.unwrap();
}

#[tokio::test]
async fn a_session_ends_after_30_minutes_idle() {
    let t = spawn_app().await;
    let ana = t.agent(ANA, AgentRole::AdminAgent).await;
    let SignedIn { token, .. } = sign_in(&t, ANA, ana.password.expose()).await.unwrap();
    // Used every 29 minutes, it lives on.
    for _ in 0..3 {
        t.clock.advance(IDLE - TimeDelta::minutes(1));
        assert!(resumes(&t, &token).await);
    }
    t.clock.advance(IDLE + TimeDelta::seconds(1));
    assert!(!resumes(&t, &token).await);
    t.clock.advance(-IDLE);
    assert!(!resumes(&t, &token).await, "an expired session was forgotten");
}

#[tokio::test]
async fn a_session_ends_12_hours_after_sign_in_however_used() {
    let t = spawn_app().await;
    let ana = t.agent(ANA, AgentRole::AdminAgent).await;
    let SignedIn { token, .. } = sign_in(&t, ANA, ana.password.expose()).await.unwrap();
    let step = TimeDelta::minutes(25);
    let mut elapsed = TimeDelta::zero();
    while elapsed + step <= ABSOLUTE {
        t.clock.advance(step);
        elapsed += step;
        assert!(resumes(&t, &token).await, "after {elapsed}");
    }
    t.clock.advance(step);
    assert!(!resumes(&t, &token).await);
}

#[tokio::test]
async fn the_purge_forgets_expired_sessions_and_stale_failures() {
    let t = spawn_app().await;
    let ana = t.agent(ANA, AgentRole::AdminAgent).await;
    let SignedIn { token, .. } = sign_in(&t, ANA, ana.password.expose()).await.unwrap();
    assert_incorrect(sign_in(&t, "bob@fabrikam.example", "Wrong-Password-1").await);
    assert!(
        t.store
            .sign_in_failures("upn:bob@fabrikam.example")
            .await
            .unwrap()
            .is_some()
    );
    t.clock.advance(IDLE + TimeDelta::minutes(1));
    purge::purge_once(&t.app, 30).await.unwrap();
    assert!(
        t.store
            .sign_in_failures("upn:bob@fabrikam.example")
            .await
            .unwrap()
            .is_none()
    );
    // Nothing left to resume, even with the clock turned back.
    t.clock.advance(-IDLE);
    assert!(!resumes(&t, &token).await);
}

#[tokio::test]
async fn signing_out_ends_that_session_only() {
    let t = spawn_app().await;
    let ana = t.agent(ANA, AgentRole::AdminAgent).await;
    let first = sign_in(&t, ANA, ana.password.expose()).await.unwrap();
    let second = sign_in(&t, ANA, ana.password.expose()).await.unwrap();
    sessions::sign_out(&t.app, &first.session, &ids()).await.unwrap();
    assert!(!resumes(&t, &first.token).await);
    assert!(resumes(&t, &second.token).await);
    sessions::sign_out(&t.app, &first.session, &ids()).await.unwrap();
    let sign_outs: Vec<_> = audited(&t)
        .await
        .into_iter()
        .filter(|(op, ..)| *op == Operation::AgentSignOut)
        .collect();
    assert_eq!(
        sign_outs,
        vec![(Operation::AgentSignOut, Outcome::Success, ANA.to_owned())],
        "once"
    );
}

#[tokio::test]
async fn a_new_password_follows_the_policy_differs_and_ends_every_other_session() {
    let t = spawn_app().await;
    let ana = t.agent(ANA, AgentRole::AdminAgent).await;
    let one_time = ana.password.expose();
    let first = sign_in(&t, ANA, one_time).await.unwrap();
    let other = sign_in(&t, ANA, one_time).await.unwrap();
    let change = |new: &'static str, confirm: &'static str| {
        let (app, session) = (t.app.clone(), first.session.clone());
        async move {
            sessions::change_password(
                &app,
                &session,
                sessions::PasswordChange {
                    current: "",
                    new,
                    confirm,
                },
                &ids(),
            )
            .await
        }
    };

    let weak = change("short", "short").await.unwrap_err();
    assert_eq!(fields(&weak), ["new_password"]);
    let named = change("Ana-Password-1", "Ana-Password-1").await.unwrap_err();
    assert_eq!(fields(&named), ["new_password"], "contains the user name");
    let mismatch = change(NEW_PASSWORD, "Blue-Harbor-43").await.unwrap_err();
    assert_eq!(fields(&mismatch), ["confirm_password"]);
    let both = change("short", "shorter").await.unwrap_err();
    assert_eq!(fields(&both), ["new_password", "confirm_password"]);
    let same = sessions::change_password(
        &t.app,
        &first.session,
        sessions::PasswordChange {
            current: "",
            new: one_time,
            confirm: one_time,
        },
        &ids(),
    )
    .await
    .unwrap_err();
    assert_eq!(fields(&same), ["new_password"]);
    assert!(resumes(&t, &first.token).await, "nothing changed yet");

    let changed = change(NEW_PASSWORD, NEW_PASSWORD).await.unwrap();
    assert!(!changed.session.agent.must_change_password);
    assert!(!resumes(&t, &first.token).await);
    assert!(!resumes(&t, &other.token).await);
    let resumed = sessions::resume(&t.app, &changed.token).await.unwrap().unwrap();
    assert!(!resumed.agent.must_change_password);
    assert!(!t.store.agent(ANA).await.unwrap().unwrap().must_change_password);

    assert_incorrect(sign_in(&t, ANA, one_time).await);
    sign_in(&t, ANA, NEW_PASSWORD).await.unwrap();
    assert!(
        audited(&t)
            .await
            .contains(&(Operation::ChangeAgentPassword, Outcome::Success, ANA.to_owned()))
    );
}

#[tokio::test]
async fn a_reset_password_or_a_removed_agent_ends_its_sessions() {
    let t = spawn_app().await;
    let ana = t.agent(ANA, AgentRole::AdminAgent).await;
    let before = sign_in(&t, ANA, ana.password.expose()).await.unwrap();
    let changed = sessions::change_password(
        &t.app,
        &before.session,
        sessions::PasswordChange {
            current: "",
            new: NEW_PASSWORD,
            confirm: NEW_PASSWORD,
        },
        &ids(),
    )
    .await
    .unwrap();
    // Locked out, then reset: the reset unlocks.
    for _ in 0..LOCK_AFTER {
        let _ = sign_in(&t, ANA, "Wrong-Password-1").await;
    }
    assert_locked_out(sign_in(&t, ANA, NEW_PASSWORD).await);

    let reset = tenantdesk_core::agents::reset_password(&t.app, t.partner, "ANA@fabrikam.example")
        .await
        .unwrap();
    assert!(reset.agent.must_change_password);
    assert!(!resumes(&t, &changed.token).await);
    assert_incorrect(sign_in(&t, ANA, NEW_PASSWORD).await);
    let after = sign_in(&t, ANA, reset.password.expose()).await.unwrap();
    assert!(after.session.agent.must_change_password);

    let removed = tenantdesk_core::agents::remove(&t.app, t.partner, ANA).await.unwrap();
    assert_eq!(removed.id, ana.agent.id);
    assert!(!resumes(&t, &after.token).await);
    assert_incorrect(sign_in(&t, ANA, reset.password.expose()).await);
    let admin: Vec<_> = audited(&t)
        .await
        .into_iter()
        .filter(|(_, _, actor)| actor == "tenantdesk-admin")
        .map(|(op, ..)| op)
        .collect();
    assert_eq!(
        admin,
        [
            Operation::CreateAgent,
            Operation::ResetAgentPassword,
            Operation::RemoveAgent
        ]
    );
}

#[tokio::test]
async fn no_password_or_session_token_is_stored_or_audited() {
    let t = spawn_app().await;
    let ana = t.agent(ANA, AgentRole::AdminAgent).await;
    let wrong = "Wrong-Password-77";
    assert_incorrect(sign_in(&t, ANA, wrong).await);
    let first = sign_in(&t, ANA, ana.password.expose()).await.unwrap();
    let changed = sessions::change_password(
        &t.app,
        &first.session,
        sessions::PasswordChange {
            current: "",
            new: NEW_PASSWORD,
            confirm: NEW_PASSWORD,
        },
        &ids(),
    )
    .await
    .unwrap();
    let again = sign_in(&t, ANA, NEW_PASSWORD).await.unwrap();
    let reset = tenantdesk_core::agents::reset_password(&t.app, t.partner, ANA)
        .await
        .unwrap();
    let last = sign_in(&t, ANA, reset.password.expose()).await.unwrap();
    sessions::sign_out(&t.app, &again.session, &ids()).await.unwrap();

    let secrets = [
        ana.password.expose(),
        wrong,
        NEW_PASSWORD,
        reset.password.expose(),
        first.token.expose(),
        changed.token.expose(),
        again.token.expose(),
        last.token.expose(),
    ];
    let records = format!("{:?}", t.audit().await);
    assert!(records.contains("AgentSignIn"), "{records}");
    for secret in secrets {
        assert!(!records.contains(secret), "{secret} in the audit log");
        assert!(
            !format!("{first:?}{last:?}").contains(secret),
            "{secret} in a Debug output"
        );
    }

    // The database's files, journal included, hold none of them.
    let mut files = 0;
    for entry in std::fs::read_dir(t.dir.path()).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        files += 1;
        for secret in secrets {
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "{secret} is stored"
            );
        }
    }
    assert!(files >= 2, "the database and its write-ahead log");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn attempts_sent_at_once_get_no_more_guesses_than_the_limit() {
    let t = spawn_app().await;
    t.agent(ANA, AgentRole::AdminAgent).await;
    let attempts = (0..LOCK_AFTER * 3).map(|_| {
        let app = t.app.clone();
        tokio::spawn(async move { sessions::sign_in(&app, ANA, "Wrong-Password-9", None, &ids()).await })
    });
    let results = futures::future::join_all(attempts).await;
    assert!(results.iter().all(|r| r.as_ref().unwrap().is_err()));
    // Each attempt counted before its check: only the first LOCK_AFTER were checked, and the last
    // of those locked the agent out, once. (Counted after the check, every attempt was checked,
    // and each one past the limit locked it out again.)
    let lock_outs = audited(&t)
        .await
        .iter()
        .filter(|(operation, ..)| *operation == Operation::AgentLockedOut)
        .count();
    assert_eq!(lock_outs, 1);
    let incorrect = results
        .iter()
        .filter(|r| matches!(r.as_ref().unwrap(), Err(SignInError::Incorrect)))
        .count();
    assert_eq!(incorrect, LOCK_AFTER as usize - 1);
}

#[tokio::test]
async fn an_own_password_is_changed_only_with_it_and_only_from_a_live_session() {
    let t = spawn_app().await;
    let ana = t.agent(ANA, AgentRole::AdminAgent).await;
    let first = sign_in(&t, ANA, ana.password.expose()).await.unwrap();
    let change = |current, new| sessions::PasswordChange {
        current,
        new,
        confirm: new,
    };
    let own = sessions::change_password(&t.app, &first.session, change("", NEW_PASSWORD), &ids())
        .await
        .unwrap();
    // Now a browser left signed in cannot take the account: the current password is asked.
    let wrong = sessions::change_password(
        &t.app,
        &own.session,
        change("Not-The-Password-1", "Green-Field-77"),
        &ids(),
    )
    .await
    .unwrap_err();
    assert_eq!(fields(&wrong), ["current_password"]);
    let right = sessions::change_password(&t.app, &own.session, change(NEW_PASSWORD, "Green-Field-77"), &ids())
        .await
        .unwrap();
    // A reset meanwhile ends the session, and a change from it no longer goes through.
    tenantdesk_core::agents::reset_password(&t.app, t.partner, ANA)
        .await
        .unwrap();
    let late = sessions::change_password(&t.app, &right.session, change("Green-Field-77", "Red-River-55"), &ids())
        .await
        .unwrap_err();
    assert!(matches!(late, Error::Invalid(_)), "{late:?}");
    assert_incorrect(sign_in(&t, ANA, "Red-River-55").await);
}
