-- The desktop's sign-in to its team server (issue #8): the refresh token the
-- server handed it last (each renewal spends the old one), so sync resumes
-- after a restart without asking for the password. It sits with the data it
-- unlocks: whoever can read this file can read the leads already.
ALTER TABLE sync_state ADD COLUMN refresh_token TEXT;
