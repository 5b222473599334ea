-- Back to every suffix of the digits (migrations 000001 and 000008).

DROP TRIGGER leads_fts_insert;
CREATE TRIGGER leads_fts_insert AFTER INSERT ON leads WHEN new.deleted_at IS NULL AND new.import_batch_id IS NULL
BEGIN
    INSERT INTO leads_fts (rowid, name, email, company, phone)
    VALUES (new.seq, new.name, new.email, new.company, substr(new.phone_digits, 1) || ' ' || substr(new.phone_digits, 2) || ' ' || substr(new.phone_digits, 3) || ' ' || substr(new.phone_digits, 4) || ' ' || substr(new.phone_digits, 5) || ' ' || substr(new.phone_digits, 6) || ' ' || substr(new.phone_digits, 7) || ' ' || substr(new.phone_digits, 8) || ' ' || substr(new.phone_digits, 9) || ' ' || substr(new.phone_digits, 10) || ' ' || substr(new.phone_digits, 11) || ' ' || substr(new.phone_digits, 12) || ' ' || substr(new.phone_digits, 13) || ' ' || substr(new.phone_digits, 14) || ' ' || substr(new.phone_digits, 15) || ' ' || substr(new.phone_digits, 16) || ' ' || substr(new.phone_digits, 17) || ' ' || substr(new.phone_digits, 18) || ' ' || substr(new.phone_digits, 19) || ' ' || substr(new.phone_digits, 20));
END;

DROP TRIGGER leads_fts_update;
CREATE TRIGGER leads_fts_update AFTER UPDATE OF name, email, company, phone_digits, deleted_at ON leads
BEGIN
    DELETE FROM leads_fts WHERE rowid = old.seq;
    INSERT INTO leads_fts (rowid, name, email, company, phone)
    SELECT new.seq, new.name, new.email, new.company, substr(new.phone_digits, 1) || ' ' || substr(new.phone_digits, 2) || ' ' || substr(new.phone_digits, 3) || ' ' || substr(new.phone_digits, 4) || ' ' || substr(new.phone_digits, 5) || ' ' || substr(new.phone_digits, 6) || ' ' || substr(new.phone_digits, 7) || ' ' || substr(new.phone_digits, 8) || ' ' || substr(new.phone_digits, 9) || ' ' || substr(new.phone_digits, 10) || ' ' || substr(new.phone_digits, 11) || ' ' || substr(new.phone_digits, 12) || ' ' || substr(new.phone_digits, 13) || ' ' || substr(new.phone_digits, 14) || ' ' || substr(new.phone_digits, 15) || ' ' || substr(new.phone_digits, 16) || ' ' || substr(new.phone_digits, 17) || ' ' || substr(new.phone_digits, 18) || ' ' || substr(new.phone_digits, 19) || ' ' || substr(new.phone_digits, 20)
    WHERE new.deleted_at IS NULL;
END;

-- Every live lead indexed again, the phone's terms as above.
INSERT INTO leads_fts (leads_fts) VALUES ('delete-all');
INSERT INTO leads_fts (rowid, name, email, company, phone)
SELECT seq, name, email, company, substr(phone_digits, 1) || ' ' || substr(phone_digits, 2) || ' ' || substr(phone_digits, 3) || ' ' || substr(phone_digits, 4) || ' ' || substr(phone_digits, 5) || ' ' || substr(phone_digits, 6) || ' ' || substr(phone_digits, 7) || ' ' || substr(phone_digits, 8) || ' ' || substr(phone_digits, 9) || ' ' || substr(phone_digits, 10) || ' ' || substr(phone_digits, 11) || ' ' || substr(phone_digits, 12) || ' ' || substr(phone_digits, 13) || ' ' || substr(phone_digits, 14) || ' ' || substr(phone_digits, 15) || ' ' || substr(phone_digits, 16) || ' ' || substr(phone_digits, 17) || ' ' || substr(phone_digits, 18) || ' ' || substr(phone_digits, 19) || ' ' || substr(phone_digits, 20)
FROM leads WHERE deleted_at IS NULL;
