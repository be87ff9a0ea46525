package io.provmark.verifier;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.Jdbi;

/** Connection pool, migrations and the JDBI handle for SQLite (default) or PostgreSQL. */
final class Db implements AutoCloseable {
    final HikariDataSource ds;
    final Jdbi jdbi;
    final boolean sqlite;

    Db(String jdbcUrl, String user, String password) {
        this.sqlite = jdbcUrl.startsWith("jdbc:sqlite:");
        HikariConfig hc = new HikariConfig();
        hc.setJdbcUrl(jdbcUrl);
        if (user != null) {
            hc.setUsername(user);
        }
        if (password != null) {
            hc.setPassword(password);
        }
        hc.setPoolName("provmark-verifier");
        // SQLite serialises writers; a small pool plus busy_timeout avoids SQLITE_BUSY storms.
        hc.setMaximumPoolSize(sqlite ? 4 : 10);
        if (sqlite) {
            // IMMEDIATE: a transaction takes the write lock at BEGIN and waits (busy_timeout) for it;
            // a deferred one that reads first fails at once with SQLITE_BUSY when it later writes.
            hc.addDataSourceProperty("transaction_mode", "IMMEDIATE");
            hc.addDataSourceProperty("busy_timeout", "10000");
            hc.setConnectionInitSql("PRAGMA busy_timeout = 10000");
        }
        this.ds = new HikariDataSource(hc);
        if (sqlite) {
            try (var c = ds.getConnection(); var st = c.createStatement()) {
                // WAL: readers do not block the writer; synchronous=FULL: a committed row survives power loss.
                st.execute("PRAGMA journal_mode = WAL");
                st.execute("PRAGMA synchronous = FULL");
            } catch (java.sql.SQLException e) {
                ds.close();
                throw new IllegalStateException("cannot open the SQLite database " + jdbcUrl + ": " + e.getMessage(), e);
            }
        }
        Flyway.configure().dataSource(ds).locations("classpath:db/migration").load().migrate();
        this.jdbi = Jdbi.create(ds);
    }

    @Override
    public void close() {
        ds.close();
    }
}
