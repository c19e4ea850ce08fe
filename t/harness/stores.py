"""mod_session_dbd on SQLite, as the tests and the benchmark configure it:
the APR driver, the queries mod_session_dbd's documentation gives, the
database, and the server lines that use it."""

import os
import pwd
import sqlite3

from .httpdconf import children_user

SQLITE_DRIVER = "/usr/lib/x86_64-linux-gnu/apr-util-1/apr_dbd_sqlite3-1.so"

DBD_QUERIES = [
    ("deletesession", "delete from session where key = %s"),
    ("updatesession", "update session set value = %s, expiry = %lld, "
                      "key = %s where key = %s"),
    ("insertsession", "insert into session (value, expiry, key) "
                      "values (%s, %lld, %s)"),
    ("selectsession", "select value from session where key = %s and "
                      "(expiry = 0 or expiry > %lld)"),
    ("cleansession", "delete from session where expiry != 0 and "
                     "expiry < %lld"),
]


def make_session_db(directory):
    """An empty session table in directory/sessions.db, both owned by the
    user httpd's children run as. Returns the database's path."""
    os.makedirs(directory, exist_ok=True)
    db = os.path.join(directory, "sessions.db")
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE session (key VARCHAR(255) PRIMARY KEY, "
                     "value TEXT, expiry BIGINT)")
    conn.close()
    user = children_user()
    if user:
        pw = pwd.getpwnam(user[0])
        for path in (directory, db):
            os.chown(path, pw.pw_uid, pw.pw_gid)
    return db


def dbd_lines(db):
    """mod_dbd's server lines for the SQLite database db, with the
    queries."""
    return (["DBDriver sqlite3", 'DBDParams "%s"' % db]
            + ['DBDPrepareSQL "%s" %s' % (sql, label)
               for label, sql in DBD_QUERIES])
