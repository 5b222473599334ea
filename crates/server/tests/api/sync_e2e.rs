//! Sync end to end: the real server process, and two desktops (each its own
//! SQLite file) signing in and syncing over HTTP with the desktop's own
//! transport (`leadlight-sync-client`) and rounds (`core::replica`).

use crate::Server;
use leadlight_core::enquiries;
use leadlight_core::leads::{self, LeadPatch, NewLead};
use leadlight_core::replica::{self, Round};
use leadlight_core::{Actor, Store};
use leadlight_sync_client::SyncClient;
use reqwest::{Method, StatusCode};
use serde_json::json;

/// A desktop: its own database, signed in to the server as one user.
struct Desk {
    store: Store,
    actor: Actor,
    client: SyncClient,
    _dir: tempfile::TempDir,
}

impl Desk {
    fn sign_in(url: &str, email: &str, password: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("desktop.sqlite3")).unwrap();
        let status = leadlight_sync_client::connect(&store, url, email, password).unwrap();
        let me = leadlight_core::users::get(
            &store,
            &Actor::new(status.user_id, leadlight_core::Role::Agent),
            status.user_id,
        )
        .unwrap();
        Self {
            store,
            actor: Actor::new(me.id, me.role),
            client: SyncClient::default(),
            _dir: dir,
        }
    }

    fn sync(&mut self) -> Round {
        self.client.sync_now(&self.store, &mut |_| {}).unwrap()
    }

    fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = leads::list(&self.store, &self.actor, Default::default())
            .unwrap()
            .items
            .into_iter()
            .map(|l| l.name)
            .collect();
        names.sort();
        names
    }
}

/// Run desktop work off the async test's threads (the transport blocks).
async fn on_desk<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f).await.unwrap()
}

#[tokio::test]
async fn two_desktops_sync_through_the_server_and_a_lost_claim_is_reverted() {
    let server = Server::start();
    let (admin, alan, bea) = server.team().await;
    let url = server.url.clone();
    let password = "another long password";

    // A visitor's enquiry: an unclaimed lead both Agents may claim.
    let (status, receipt) = crate::json_of(
        server
            .send(
                Method::POST,
                "/api/enquiries",
                None,
                Some(json!({ "name": "Walk In", "email": "walk.in@example.com" })),
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{receipt}");
    let walk_in: leadlight_core::ids::LeadId =
        serde_json::from_value(receipt["lead_id"].clone()).unwrap();

    // Both desktops start empty and take what their user may see.
    let (alans, beas) = on_desk({
        let url = url.clone();
        move || {
            let mut alans = Desk::sign_in(&url, "alan@example.com", password);
            let mut beas = Desk::sign_in(&url, "bea@example.com", password);
            let first = alans.sync();
            assert_eq!(first.pulled, 1, "the walk-in: {first:?}");
            beas.sync();
            (alans, beas)
        }
    })
    .await;

    // Offline, both claim it; Bea also renames it. Alan makes a lead.
    let (alans, beas) = on_desk(move || {
        enquiries::claim(&alans.store, &alans.actor, walk_in).unwrap();
        enquiries::claim(&beas.store, &beas.actor, walk_in).unwrap();
        leads::update(
            &beas.store,
            &beas.actor,
            walk_in,
            LeadPatch {
                name: Some("Walk In (Bea's)".into()),
                ..Default::default()
            },
        )
        .unwrap();
        leads::create(
            &alans.store,
            &alans.actor,
            NewLead {
                name: "Made On A Plane".into(),
                ..Default::default()
            },
        )
        .unwrap();
        (alans, beas)
    })
    .await;

    // Alan's desktop syncs first and wins; Bea's claim and her rename of a
    // lead that is now Alan's are refused and listed for her.
    let (alans, beas) = on_desk(move || {
        let (mut alans, mut beas) = (alans, beas);
        let won = alans.sync();
        assert_eq!(won.rejected, 0, "{won:?}");
        assert_eq!(
            won.pushed, 3,
            "the claim and its activity, the new lead: {won:?}"
        );
        let lost = beas.sync();
        assert_eq!(lost.rejected, 2, "{lost:?}");
        let conflicts = replica::conflicts(&beas.store, &beas.actor, false).unwrap();
        let messages: Vec<&str> = conflicts.iter().map(|c| c.message.as_str()).collect();
        assert!(
            messages
                .iter()
                .any(|m| m.contains("already claimed by Alan")),
            "{messages:?}"
        );
        assert_eq!(conflicts.len(), 2, "{messages:?}");
        assert!(
            beas.names().is_empty(),
            "the walk-in is Alan's and left Bea's desktop: {:?}",
            beas.names()
        );
        assert_eq!(alans.names(), ["Made On A Plane", "Walk In"]);
        let status = replica::status(&beas.store).unwrap().unwrap();
        assert_eq!((status.pending, status.conflicts), (0, 2));
        assert_eq!(status.last_error, None);
        (alans, beas)
    })
    .await;

    // The server has Alan's claim (not Bea's rename) and his new lead.
    let (status, lead) = server
        .call(Method::GET, &format!("/api/leads/{walk_in}"), &admin, None)
        .await;
    assert_eq!(status, StatusCode::OK, "{lead}");
    assert_eq!(lead["lead"]["name"], "Walk In");
    assert_eq!(lead["lead"]["owner_id"], alan.id.as_str());
    let (_, found) = server
        .call(Method::GET, "/api/leads?q=plane", &admin, None)
        .await;
    assert_eq!(found["total"], 1, "{found}");

    // The Admin hands the walk-in to Bea: it moves desktops on their next
    // round. Bea's desktop picks its sign-in up from the kept refresh token.
    let (status, moved) = server
        .call(
            Method::PUT,
            &format!("/api/leads/{walk_in}/assign"),
            &admin,
            Some(json!({ "owner": bea.id })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    on_desk(move || {
        let (mut alans, mut beas) = (alans, beas);
        // As after a restart: a new client, from the kept sign-in.
        beas.client = SyncClient::default();
        let got = beas.sync();
        assert_eq!(beas.names(), ["Walk In"], "{got:?}");
        let gone = alans.sync();
        assert_eq!(gone.removed, 1, "{gone:?}");
        assert_eq!(alans.names(), ["Made On A Plane"]);
    })
    .await;
}

/// A server that is not there: the round fails as offline, the change
/// stays pending, and the reason is what the indicator shows.
#[tokio::test]
async fn a_desktop_whose_server_is_gone_keeps_its_changes() {
    let server = Server::start();
    let (_admin, _alan, _bea) = server.team().await;
    let url = server.url.clone();
    let desk =
        on_desk(move || Desk::sign_in(&url, "alan@example.com", "another long password")).await;
    drop(server);
    on_desk(move || {
        let mut desk = desk;
        leads::create(
            &desk.store,
            &desk.actor,
            NewLead {
                name: "Kept Offline".into(),
                ..Default::default()
            },
        )
        .unwrap();
        let failed = desk.client.sync_now(&desk.store, &mut |_| {}).unwrap_err();
        assert!(failed.to_string().contains("offline"), "{failed}");
        let status = replica::status(&desk.store).unwrap().unwrap();
        assert_eq!(status.pending, 1, "the new lead waits");
        assert!(status.last_error.unwrap().contains("offline"));
    })
    .await;
}

/// A desktop away longer than the server keeps its sync journal: the server
/// (restarted with a retention of 0 days, so it purges at once) answers its
/// old cursor with a snapshot, and the desktop ends up holding exactly what
/// its user may see, its own offline edit included.
#[tokio::test]
async fn a_desktop_away_past_the_purge_horizon_resyncs() {
    let mut server = Server::start();
    let (admin, alan, _bea) = server.team().await;
    let url = server.url.clone();
    let password = "another long password";
    let mut ids = Vec::new();
    for name in ["Stays With Alan", "Goes To Bea"] {
        let lead = server
            .lead(&admin, json!({ "name": name, "owner_id": alan.id }))
            .await;
        ids.push(lead["id"].as_str().unwrap().to_owned());
    }
    let (status, tagged) = server
        .call(
            Method::POST,
            &format!("/api/leads/{}/tags", ids[0]),
            &admin,
            Some(json!({ "tags": ["Stale"] })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{tagged}");

    let alans = on_desk({
        let url = url.clone();
        move || {
            let mut alans = Desk::sign_in(&url, "alan@example.com", password);
            alans.sync();
            assert_eq!(alans.names(), ["Goes To Bea", "Stays With Alan"]);
            alans
        }
    })
    .await;

    // While Alan's computer is shut: the tag goes, one lead goes to Bea,
    // a new one comes to Alan.
    let (_, bea) = server.call(Method::GET, "/api/users", &admin, None).await;
    let bea_id = bea["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == "bea@example.com")
        .unwrap()["id"]
        .clone();
    let (status, _) = server
        .call(
            Method::DELETE,
            &format!("/api/leads/{}/tags/Stale", ids[0]),
            &admin,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = server
        .call(
            Method::PUT,
            &format!("/api/leads/{}/assign", ids[1]),
            &admin,
            Some(json!({ "owner": bea_id })),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    server
        .lead(
            &admin,
            json!({ "name": "New For Alan", "owner_id": alan.id }),
        )
        .await;
    server.restart_with(&["--sync-retention-days", "0"]);

    let stays = leadlight_core::ids::LeadId::parse(&ids[0]).unwrap();
    on_desk(move || {
        let mut alans = alans;
        leads::update(
            &alans.store,
            &alans.actor,
            stays,
            LeadPatch {
                company: Some(Some("Edited Offline Ltd".into())),
                ..Default::default()
            },
        )
        .unwrap();
        let round = alans.sync();
        assert!(round.resynced, "{round:?}");
        assert_eq!(round.rejected, 0, "{round:?}");
        assert_eq!(
            alans.names(),
            ["New For Alan", "Stays With Alan"],
            "{round:?}"
        );
        let lead = leads::get(&alans.store, &alans.actor, stays).unwrap();
        assert_eq!(lead.company.as_deref(), Some("Edited Offline Ltd"));
        assert!(
            lead.tags.is_empty(),
            "the removed tag left: {:?}",
            lead.tags
        );
    })
    .await;
    let (_, lead) = server
        .call(Method::GET, &format!("/api/leads/{stays}"), &alan, None)
        .await;
    assert_eq!(lead["lead"]["company"], "Edited Offline Ltd");
}
