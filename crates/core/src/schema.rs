// @generated automatically by Diesel CLI.

diesel::table! {
    activities (id) {
        id -> Text,
        lead_id -> Text,
        actor_id -> Nullable<Text>,
        kind -> Text,
        detail -> Text,
        at -> BigInt,
        created_at -> BigInt,
        updated_at -> BigInt,
        deleted_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    change_journal (seq) {
        seq -> Nullable<Integer>,
        entity -> Text,
        entity_id -> Text,
        op -> Text,
        fields -> Text,
        actor_id -> Nullable<Text>,
        at -> BigInt,
        hlc -> BigInt,
        origin -> Nullable<Text>,
    }
}

diesel::table! {
    customers (id) {
        id -> Text,
        lead_id -> Text,
        name -> Text,
        email -> Nullable<Text>,
        phone -> Nullable<Text>,
        company -> Nullable<Text>,
        owner_id -> Nullable<Text>,
        created_at -> BigInt,
        updated_at -> BigInt,
        deleted_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    email_deliveries (subject) {
        subject -> Text,
        sent_at -> BigInt,
    }
}

diesel::table! {
    import_batches (id) {
        id -> Text,
        created_by -> Text,
        file_name -> Text,
        rows -> BigInt,
        created -> BigInt,
        duplicates -> BigInt,
        rejected -> BigInt,
        undone_at -> Nullable<BigInt>,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    lead_events_hourly (kind, owner_key, hour) {
        kind -> Text,
        owner_key -> Text,
        hour -> BigInt,
        n -> BigInt,
    }
}

diesel::table! {
    lead_tags (lead_id, tag) {
        lead_id -> Text,
        tag -> Text,
        created_at -> BigInt,
        updated_at -> BigInt,
        deleted_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    lead_totals (owner_key, status, source) {
        owner_key -> Text,
        status -> Text,
        source -> Text,
        n -> BigInt,
    }
}

diesel::table! {
    leads (seq) {
        seq -> Nullable<Integer>,
        id -> Text,
        name -> Text,
        email -> Nullable<Text>,
        phone -> Nullable<Text>,
        phone_digits -> Nullable<Text>,
        company -> Nullable<Text>,
        source -> Text,
        status -> Text,
        owner_id -> Nullable<Text>,
        claimed_at -> Nullable<BigInt>,
        converted_at -> Nullable<BigInt>,
        lost_at -> Nullable<BigInt>,
        created_at -> BigInt,
        updated_at -> BigInt,
        deleted_at -> Nullable<BigInt>,
        import_batch_id -> Nullable<Text>,
        created_by -> Nullable<Text>,
        created_via -> Nullable<Text>,
    }
}

diesel::table! {
    notes (id) {
        id -> Text,
        lead_id -> Text,
        author_id -> Nullable<Text>,
        body -> Text,
        created_at -> BigInt,
        updated_at -> BigInt,
        deleted_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    notifications (id) {
        id -> Text,
        user_id -> Text,
        kind -> Text,
        title -> Text,
        body -> Text,
        lead_id -> Nullable<Text>,
        read_at -> Nullable<BigInt>,
        created_at -> BigInt,
        updated_at -> BigInt,
        deleted_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    refresh_tokens (token_hash) {
        token_hash -> Text,
        session_id -> Text,
        created_at -> BigInt,
        expires_at -> BigInt,
        rotated_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    reminders (id) {
        id -> Text,
        lead_id -> Text,
        owner_id -> Text,
        due_at -> BigInt,
        message -> Text,
        done_at -> Nullable<BigInt>,
        notified_at -> Nullable<BigInt>,
        created_at -> BigInt,
        updated_at -> BigInt,
        deleted_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        user_id -> Text,
        created_at -> BigInt,
        updated_at -> BigInt,
        expires_at -> BigInt,
        revoked_at -> Nullable<BigInt>,
        revoked_reason -> Nullable<Text>,
    }
}

diesel::table! {
    settings (key) {
        key -> Text,
        value -> Text,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    sync_clients (client_id) {
        client_id -> Text,
        user_id -> Text,
        applied_seq -> BigInt,
        created_at -> BigInt,
        updated_at -> BigInt,
        pulled_seq -> Nullable<BigInt>,
    }
}

diesel::table! {
    sync_clock (id) {
        id -> Nullable<Integer>,
        seen -> BigInt,
        arbiter -> Integer,
        purged_through -> BigInt,
    }
}

diesel::table! {
    sync_conflicts (id) {
        id -> Text,
        entity -> Text,
        entity_id -> Text,
        field -> Nullable<Text>,
        yours -> Text,
        winning -> Text,
        message -> Text,
        at -> BigInt,
        reviewed_at -> Nullable<BigInt>,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    sync_field_clocks (entity, entity_id, field) {
        entity -> Text,
        entity_id -> Text,
        field -> Text,
        hlc -> BigInt,
        client_id -> Text,
    }
}

diesel::table! {
    sync_held (user_id, entity, entity_id) {
        user_id -> Text,
        entity -> Text,
        entity_id -> Text,
    }
}

diesel::table! {
    sync_resync_seen (lead_id) {
        lead_id -> Text,
    }
}

diesel::table! {
    sync_state (id) {
        id -> Nullable<Integer>,
        server_url -> Text,
        client_id -> Text,
        user_id -> Text,
        pushed_seq -> BigInt,
        cursor -> BigInt,
        last_success_at -> Nullable<BigInt>,
        last_error -> Nullable<Text>,
        created_at -> BigInt,
        updated_at -> BigInt,
        refresh_token -> Nullable<Text>,
        resync -> Integer,
    }
}

diesel::table! {
    tasks (id) {
        id -> Text,
        title -> Text,
        description -> Text,
        due_at -> Nullable<BigInt>,
        assignee_id -> Text,
        lead_id -> Nullable<Text>,
        status -> Text,
        completed_at -> Nullable<BigInt>,
        created_by -> Text,
        created_at -> BigInt,
        updated_at -> BigInt,
        deleted_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        name -> Text,
        email -> Text,
        password_hash -> Nullable<Text>,
        role -> Text,
        time_zone -> Text,
        deactivated_at -> Nullable<BigInt>,
        created_at -> BigInt,
        updated_at -> BigInt,
        deleted_at -> Nullable<BigInt>,
    }
}

diesel::joinable!(activities -> users (actor_id));
diesel::joinable!(customers -> users (owner_id));
diesel::joinable!(import_batches -> users (created_by));
diesel::joinable!(leads -> import_batches (import_batch_id));
diesel::joinable!(notes -> users (author_id));
diesel::joinable!(notifications -> users (user_id));
diesel::joinable!(refresh_tokens -> sessions (session_id));
diesel::joinable!(reminders -> users (owner_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(sync_clients -> users (user_id));
diesel::joinable!(sync_held -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    activities,
    change_journal,
    customers,
    email_deliveries,
    import_batches,
    lead_events_hourly,
    lead_tags,
    lead_totals,
    leads,
    notes,
    notifications,
    refresh_tokens,
    reminders,
    sessions,
    settings,
    sync_clients,
    sync_clock,
    sync_conflicts,
    sync_field_clocks,
    sync_held,
    sync_resync_seen,
    sync_state,
    tasks,
    users,
);
