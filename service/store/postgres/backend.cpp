// PostgreSQL storage: group commits serialised per content, lists and pings from the reader pool,
// every operation through the circuit and the one retry rule.
#include "service/store/postgres/backend.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <random>
#include <stdexcept>

#include "service/log/logger.hpp"
#include "service/store/postgres/connection.hpp"
#include "service/store/postgres/encoding.hpp"
#include "service/store/postgres/url.hpp"

namespace comments::store {
namespace {

using namespace std::chrono_literals;

constexpr auto kStatementDeadline = 5s;  // the server gives up 1 s earlier (statement_timeout)
// A ping that times out marks the database down (and fails requests for a moment): it gets
// as long as any statement, so that a merely busy server is not taken for a dead one.
constexpr auto kPingDeadline = kStatementDeadline;
constexpr auto kPoolWait = 2s;
constexpr auto kRetryDownAfter = 500ms;  // while down, one probe per this interval
// Export and import read or write every row in one transaction, without the statement timeout.
constexpr auto kTransferDeadline = std::chrono::milliseconds(std::chrono::hours(1));

// Why the lock: ids come from a sequence, and a transaction can draw a lower id and commit after
// one that drew a higher id (on another replica, or in a slower transaction). A reader would then
// list 11 before 10 appears, and a client paging with after_id=11 would never see 10. Holding a
// per-content transaction lock before drawing ids makes every content's ids grow in commit order,
// and a comment is acknowledged only after its commit, so list order is acknowledgement order
// across replicas. The keys are taken in ascending order so two batches never deadlock; a hash
// collision between two contents only serialises them.
constexpr const char* kLockContents =
    "SELECT pg_advisory_xact_lock(1668116084, k) FROM"
    " (SELECT DISTINCT hashtext(c) AS k FROM unnest($1::text[]) AS u(c) ORDER BY k) AS keys";
// Rows are produced, and ids drawn, in batch order, except those whose poster a block names
// ($6 normalised emails, $7 canonical addresses; empty: none). One row per comment: (id, 0)
// for those stored, (0, n) for the nth of the batch (from 1), refused.
constexpr const char* kInsert =
    "WITH b AS (SELECT c, e, t, m, s, n, EXISTS (SELECT 1 FROM blocks"
    "             WHERE (kind = 'email' AND value = be AND be <> '')"
    "                OR (kind = 'address' AND value = ba AND ba <> '')) AS refused"
    "           FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[],"
    "                       $6::text[], $7::text[])"
    "             WITH ORDINALITY AS u(c, e, t, m, s, be, ba, n)),"
    " added AS (INSERT INTO comments (content_id, email, comment, created_at_ms, state)"
    "           SELECT c, e, t, m, s FROM b WHERE NOT refused ORDER BY n RETURNING id)"
    " SELECT id, 0::bigint FROM added UNION ALL SELECT 0::bigint, n FROM b WHERE refused";
// The comments lists and counts show: a filter on moderation state goes here, and only here.
const std::string kShown = "(SELECT * FROM comments WHERE state = 'visible') AS shown";
const std::string kList = "SELECT id, email, comment, created_at_ms FROM " + kShown +
                          " WHERE content_id = $1 AND id > $2::bigint ORDER BY id LIMIT $3::bigint";
// One count per element of the array, in its order.
const std::string kCount = "SELECT (SELECT count(*) FROM " + kShown +
                           " WHERE content_id = u.c) FROM unnest($1::text[])"
                           " WITH ORDINALITY AS u(c, n) ORDER BY n";

constexpr const char* kModerationList =
    "SELECT id, content_id, email, comment, created_at_ms, state FROM comments"
    " WHERE ($1::bigint = 0 OR id < $1::bigint) AND ($2::text = '' OR state = $2::text)"
    " AND ($3::text = '' OR content_id = $3::text) ORDER BY id DESC LIMIT $4::bigint";
// One statement, so atomic: the row as it was (locked), and the update when its state allows.
constexpr const char* kChangeState =
    "WITH old AS (SELECT id, content_id, email, comment, created_at_ms, state FROM comments"
    "             WHERE id = $1::bigint FOR UPDATE),"
    " changed AS (UPDATE comments c SET state = $2::text,"
    "   email = CASE WHEN $2::text = 'deleted' THEN '' ELSE c.email END,"
    "   comment = CASE WHEN $2::text = 'deleted' THEN '' ELSE c.comment END"
    "   FROM old WHERE c.id = old.id AND old.state = ANY ($3::text[]) RETURNING c.id),"
    " logged AS (INSERT INTO audit (at_ms, actor, action, target)"
    "   SELECT $4::bigint, $5, $6, $7 FROM changed)"
    " SELECT id, content_id, email, comment, created_at_ms, state FROM old";
constexpr const char* kAddBlock =
    "WITH added AS (INSERT INTO blocks (kind, value, created_at_ms)"
    "   VALUES ($1, $2, $3::bigint) ON CONFLICT (kind, value) DO NOTHING"
    "   RETURNING id, kind, value, created_at_ms),"
    " logged AS (INSERT INTO audit (at_ms, actor, action, target)"
    "   SELECT $4::bigint, $5, $6, $7 FROM added)"
    " SELECT id, kind, value, created_at_ms FROM added"
    " UNION ALL SELECT id, kind, value, created_at_ms FROM blocks WHERE kind = $1 AND value = $2";

const std::pair<const char*, const char*> kPrepared[] = {{"lock", kLockContents},
                                                         {"insert", kInsert},
                                                         {"list", kList.c_str()},
                                                         {"count", kCount.c_str()},
                                                         {"ping", "SELECT 1"}};

pg::Connector libpq_connector(const std::string& url, const OpenOptions& options,
                              const std::string& origin) {
  pg::check_url(url);
  if (!options.password_file.empty()) {
    try {
      pg::read_password_file(options.password_file);
    } catch (const StoreError& e) {
      throw std::invalid_argument(e.what());
    }
  }
  pg::ConnectParams params;
  params.url = url;
  params.statement_timeout = kStatementDeadline - 1s;
  params.origin = origin;
  return pg::libpq_connector(std::move(params), options.password_file,
                             PostgresBackend::statements());
}

// 64 random bits in hex: this replica's name in change notifications.
std::string random_origin() {
  std::random_device random;
  std::string out;
  for (int i = 0; i < 4; ++i) {
    out += fmt::format("{:04x}", random() & 0xFFFF);
  }
  return out;
}

}  // namespace

std::span<const std::pair<const char*, const char*>> PostgresBackend::statements() {
  return kPrepared;
}

PostgresBackend::PostgresBackend(std::string url, const OpenOptions& options)
    : PostgresBackend(url, options, random_origin()) {}

PostgresBackend::PostgresBackend(const std::string& url, const OpenOptions& options,
                                 std::string origin)
    : PostgresBackend(libpq_connector(url, options, origin), pg::steady_clock(),
                      std::max(1U, options.pool_size), pg::describe(url), origin) {}

PostgresBackend::PostgresBackend(pg::Connector connector, const pg::Clock& clock,
                                 unsigned pool_size, std::string target, std::string origin)
    : clock_(clock),
      target_(std::move(target)),
      origin_(std::move(origin)),
      circuit_(clock, kRetryDownAfter),
      raw_(std::move(connector)),
      connect_([this](pg::Purpose purpose, pg::Deadline deadline) {
        try {
          return raw_(purpose, deadline);
        } catch (const StoreError& e) {
          if (e.code() == errc::unavailable) {
            down(e.what());
          }
          throw;
        }
      }),
      schema_(connect_, clock, kRetryDownAfter, [this](const std::string& why) { down(why); }),
      readers_(connect_, pg::Purpose::query, clock, pool_size),
      writer_(connect_, pg::Purpose::query, clock, 1) {
  open();
}

PostgresBackend::~PostgresBackend() = default;

void PostgresBackend::watch(ChangeObserver& observer) {
  // Its own connector: a listener that cannot connect is the cache's business, not the circuit's.
  feed_ = std::make_unique<pg::ChangeFeed>(raw_, clock_, origin_, observer);
}

void PostgresBackend::open() {
  log::info("opening PostgreSQL storage", {{"target", target_}, {"pool_size", readers_.size()}});
  try {
    schema_.ensure();
  } catch (const StoreError& e) {
    log::warn("PostgreSQL is not usable yet; not ready until it is",
              {{"target", target_}, {"error", e.what()}});
  }
}

void PostgresBackend::down(const std::string& why) {
  if (circuit_.trip(why)) {
    // Every session opened before the outage is suspect: each is closed on its next use.
    readers_.retire_all();
    writer_.retire_all();
  }
}

template <typename F>
auto PostgresBackend::execute(pg::Pool& pool, pg::Effect effect, std::chrono::milliseconds budget,
                              F&& f) {
  auto admission = circuit_.admit();
  schema_.ensure();
  for (int attempt = 0;; ++attempt) {
    auto session = pool.lease(clock_.now() + kPoolWait);
    try {
      auto result = f(*session, clock_.now() + budget);
      admission.succeeded();
      return result;
    } catch (const StoreError& e) {
      if (session->timed_out()) {
        down(e.what());
      }
      if (attempt == 0 && pg::run_again(*session, session.reused(), effect)) {
        continue;
      }
      throw;
    }
  }
}

Page PostgresBackend::list(std::string_view content_id, std::int64_t after_id, std::size_t limit) {
  const std::string content(content_id);
  const std::string after = std::to_string(after_id);
  const std::string count = std::to_string(limit);
  return execute(
      readers_, pg::Effect::none, kStatementDeadline, [&](pg::Session& s, pg::Deadline deadline) {
        const std::vector<pg::Statement> query{
            {"list", nullptr, {content.c_str(), after.c_str(), count.c_str()}}};
        auto results = s.run(query, deadline);
        Page page;
        auto& r = results[0];
        const int n = r.rows();
        page.comments.reserve(static_cast<std::size_t>(n));
        for (int i = 0; i < n; ++i) {
          page.comments.push_back(Comment{r.integer(i, 0), std::move(r.values[i * 4 + 1]),
                                          std::move(r.values[i * 4 + 2]), r.integer(i, 3)});
        }
        return page;
      });
}

std::vector<std::int64_t> PostgresBackend::count(std::span<const std::string> content_ids) {
  pg::ArrayLiteral ids;
  for (const auto& id : content_ids) {
    ids.add(id);
  }
  const std::string ids_param = ids.str();
  return execute(
      readers_, pg::Effect::none, kStatementDeadline, [&](pg::Session& s, pg::Deadline deadline) {
        auto results =
            s.run(std::vector<pg::Statement>{{"count", nullptr, {ids_param.c_str()}}}, deadline);
        auto& r = results[0];
        std::vector<std::int64_t> counts;
        counts.reserve(static_cast<std::size_t>(r.rows()));
        for (int i = 0; i < r.rows(); ++i) {
          counts.push_back(r.integer(i, 0));
        }
        return counts;
      });
}

void PostgresBackend::ping() {
  execute(readers_, pg::Effect::none, kPingDeadline, [](pg::Session& s, pg::Deadline deadline) {
    s.run(std::vector<pg::Statement>{{"ping", nullptr, {}}}, deadline);
    return true;
  });
}

std::vector<std::int64_t> PostgresBackend::append(std::span<const NewComment> batch) {
  if (batch.empty()) {
    return {};
  }
  pg::ArrayLiteral contents;
  pg::ArrayLiteral emails;
  pg::ArrayLiteral texts;
  pg::ArrayLiteral times;
  pg::ArrayLiteral states;
  pg::ArrayLiteral poster_emails;
  pg::ArrayLiteral poster_addresses;
  for (const auto& c : batch) {
    contents.add(c.content_id);
    emails.add(c.email);
    texts.add(c.text);
    times.add(c.created_at_ms);
    states.add(to_string(c.state));
    poster_emails.add(c.poster.email);
    poster_addresses.add(c.poster.address);
  }
  const std::string contents_param = contents.str();
  const std::string emails_param = emails.str();
  const std::string texts_param = texts.str();
  const std::string times_param = times.str();
  const std::string states_param = states.str();
  const std::string poster_emails_param = poster_emails.str();
  const std::string poster_addresses_param = poster_addresses.str();
  // One round trip: the server runs the four in order, and COMMIT's answer is the verdict.
  const std::vector<pg::Statement> transaction{
      {nullptr, "BEGIN", {}},
      {"lock", nullptr, {contents_param.c_str()}},
      {"insert",
       nullptr,
       {contents_param.c_str(), emails_param.c_str(), texts_param.c_str(), times_param.c_str(),
        states_param.c_str(), poster_emails_param.c_str(), poster_addresses_param.c_str()}},
      {nullptr, "COMMIT", {}}};
  return execute(
      writer_, pg::Effect::commits, kStatementDeadline, [&](pg::Session& s, pg::Deadline deadline) {
        auto results = s.run(transaction, deadline);
        if (results[3].command != "COMMIT") {
          throw StoreError(errc::internal, "PostgreSQL did not commit the batch");
        }
        const auto& rows = results[2];
        std::vector<std::int64_t> stored;
        std::vector<bool> refused(batch.size(), false);
        for (int i = 0; i < rows.rows(); ++i) {
          if (const auto n = rows.integer(i, 1); n > 0) {
            if (static_cast<std::size_t>(n) > batch.size()) {
              throw StoreError(errc::internal, "PostgreSQL refused comment " + std::to_string(n) +
                                                   " of " + std::to_string(batch.size()));
            }
            refused[static_cast<std::size_t>(n - 1)] = true;
          } else {
            stored.push_back(rows.integer(i, 0));
          }
        }
        const auto refused_count = std::count(refused.begin(), refused.end(), true);
        if (stored.size() + static_cast<std::size_t>(refused_count) != batch.size()) {
          throw StoreError(errc::internal, "PostgreSQL returned " + std::to_string(stored.size()) +
                                               " ids for " + std::to_string(batch.size()) +
                                               " comments");
        }
        // Ids were drawn in batch order; sorting makes that independent of RETURNING's order.
        std::sort(stored.begin(), stored.end());
        std::vector<std::int64_t> ids;
        ids.reserve(batch.size());
        auto next = stored.begin();
        for (const bool r : refused) {
          ids.push_back(r ? kRefusedByBlock : *next++);
        }
        return ids;
      });
}

pg::Result PostgresBackend::moderate(pg::Effect effect, const char* sql,
                                     std::vector<const char*> params) {
  return execute(readers_, effect, kStatementDeadline, [&](pg::Session& s, pg::Deadline deadline) {
    auto results = s.run(std::vector<pg::Statement>{{nullptr, sql, params}}, deadline);
    return std::move(results[0]);
  });
}

namespace {

StoredComment stored_comment(const pg::Result& r, int row) {
  return StoredComment{
      r.integer(row, 0), r.text(row, 1),
      r.text(row, 2),    r.text(row, 3),
      r.integer(row, 4), state_from_string(r.text(row, 5)).value_or(State::hidden)};
}

Block block_row(const pg::Result& r, int row) {
  return Block{r.integer(row, 0), r.text(row, 1), r.text(row, 2), r.integer(row, 3)};
}
AuditEntry audit_row(const pg::Result& r, int row) {
  return AuditEntry{r.integer(row, 0), r.integer(row, 1), r.text(row, 2), r.text(row, 3),
                    r.text(row, 4)};
}

}  // namespace

std::vector<StoredComment> PostgresBackend::moderation_list(const ModerationQuery& query) {
  const std::string before = std::to_string(query.before_id);
  const std::string state(query.state ? to_string(*query.state) : "");
  const std::string content = query.content_id.value_or("");
  const std::string limit = std::to_string(query.limit);
  auto r = moderate(pg::Effect::none, kModerationList,
                    {before.c_str(), state.c_str(), content.c_str(), limit.c_str()});
  std::vector<StoredComment> out;
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) {
    out.push_back(stored_comment(r, i));
  }
  return out;
}

std::optional<StoredComment> PostgresBackend::change_state(std::int64_t id,
                                                           std::span<const State> from, State to,
                                                           const AuditEntry& audit) {
  const std::string id_param = std::to_string(id);
  const std::string to_param(to_string(to));
  pg::ArrayLiteral from_states;
  for (State s : from) {
    from_states.add(to_string(s));
  }
  const std::string from_param = from_states.str();
  const std::string at = std::to_string(audit.at_ms);
  auto r = moderate(pg::Effect::commits, kChangeState,
                    {id_param.c_str(), to_param.c_str(), from_param.c_str(), at.c_str(),
                     audit.actor.c_str(), audit.action.c_str(), audit.target.c_str()});
  if (r.rows() == 0) {
    return std::nullopt;
  }
  return stored_comment(r, 0);
}

Block PostgresBackend::add_block(const Block& block, const AuditEntry& audit) {
  const std::string at = std::to_string(block.created_at_ms);
  const std::string audit_at = std::to_string(audit.at_ms);
  auto r = moderate(pg::Effect::commits, kAddBlock,
                    {block.kind.c_str(), block.value.c_str(), at.c_str(), audit_at.c_str(),
                     audit.actor.c_str(), audit.action.c_str(), audit.target.c_str()});
  if (r.rows() == 0) {
    throw StoreError(errc::internal, "PostgreSQL returned no block");
  }
  return block_row(r, 0);
}

bool PostgresBackend::remove_block(std::int64_t id, const AuditEntry& audit) {
  const std::string id_param = std::to_string(id);
  const std::string at = std::to_string(audit.at_ms);
  auto r = moderate(pg::Effect::commits,
                    "WITH gone AS (DELETE FROM blocks WHERE id = $1::bigint RETURNING id),"
                    " logged AS (INSERT INTO audit (at_ms, actor, action, target)"
                    "   SELECT $2::bigint, $3, $4, $5 FROM gone)"
                    " SELECT id FROM gone",
                    {id_param.c_str(), at.c_str(), audit.actor.c_str(), audit.action.c_str(),
                     audit.target.c_str()});
  return r.rows() > 0;
}

std::vector<Block> PostgresBackend::blocks() {
  auto r = moderate(pg::Effect::none,
                    "SELECT id, kind, value, created_at_ms FROM blocks ORDER BY id", {});
  std::vector<Block> out;
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) {
    out.push_back(block_row(r, i));
  }
  return out;
}

void PostgresBackend::record(const AuditEntry& entry) {
  const std::string at = std::to_string(entry.at_ms);
  moderate(pg::Effect::commits,
           "INSERT INTO audit (at_ms, actor, action, target) VALUES ($1::bigint, $2, $3, $4)",
           {at.c_str(), entry.actor.c_str(), entry.action.c_str(), entry.target.c_str()});
}

std::vector<AuditEntry> PostgresBackend::audit(std::int64_t before_id, std::size_t limit) {
  const std::string before = std::to_string(before_id);
  const std::string count = std::to_string(limit);
  auto r = moderate(pg::Effect::none,
                    "SELECT id, at_ms, actor, action, target FROM audit"
                    " WHERE ($1::bigint = 0 OR id < $1::bigint) ORDER BY id DESC LIMIT $2::bigint",
                    {before.c_str(), count.c_str()});
  std::vector<AuditEntry> out;
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) {
    out.push_back(audit_row(r, i));
  }
  return out;
}

namespace {

constexpr const char* kCommentColumns = "id, content_id, email, comment, created_at_ms, state";
constexpr const char* kBlockColumns = "id, kind, value, created_at_ms";
constexpr const char* kAuditColumns = "id, at_ms, actor, action, target";

// The three tables' rows as results[first], [first + 1] and [first + 2].
Snapshot snapshot_of(const std::vector<pg::Result>& results, std::size_t first) {
  Snapshot out;
  const auto& comments = results[first];
  for (int i = 0; i < comments.rows(); ++i) {
    out.comments.push_back(stored_comment(comments, i));
  }
  const auto& blocks = results[first + 1];
  for (int i = 0; i < blocks.rows(); ++i) {
    out.blocks.push_back(block_row(blocks, i));
  }
  const auto& audit = results[first + 2];
  for (int i = 0; i < audit.rows(); ++i) {
    out.audit.push_back(audit_row(audit, i));
  }
  return out;
}

// Moves a table's identity past its largest id, so that new rows never collide with imported ones.
std::string advance_identity(const std::string& table) {
  return "SELECT setval(pg_get_serial_sequence('" + table + "', 'id'), max(id)) FROM " + table +
         " HAVING max(id) IS NOT NULL";
}

}  // namespace

Snapshot PostgresBackend::snapshot() {
  const std::string comments = fmt::format("SELECT {} FROM comments ORDER BY id", kCommentColumns);
  const std::string blocks = fmt::format("SELECT {} FROM blocks ORDER BY id", kBlockColumns);
  const std::string audit = fmt::format("SELECT {} FROM audit ORDER BY id", kAuditColumns);
  // One snapshot of the three tables, however the replicas write meanwhile.
  const std::vector<pg::Statement> transaction{
      {nullptr, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", {}},
      {nullptr, "SET LOCAL statement_timeout = 0", {}},
      {nullptr, comments.c_str(), {}},
      {nullptr, blocks.c_str(), {}},
      {nullptr, audit.c_str(), {}},
      {nullptr, "COMMIT", {}}};
  return execute(readers_, pg::Effect::none, kTransferDeadline,
                 [&](pg::Session& s, pg::Deadline deadline) {
                   return snapshot_of(s.run(transaction, deadline), 2);
                 });
}

ImportResult PostgresBackend::import(const Snapshot& data) {
  pg::ArrayLiteral comment_ids;
  for (const auto& c : data.comments) {
    comment_ids.add(c.id);
  }
  pg::ArrayLiteral audit_ids;
  for (const auto& a : data.audit) {
    audit_ids.add(a.id);
  }
  const std::string comment_ids_param = comment_ids.str();
  const std::string audit_ids_param = audit_ids.str();
  const std::string existing_comments = fmt::format(
      "SELECT {} FROM comments WHERE id = ANY ($1::bigint[]) ORDER BY id", kCommentColumns);
  const std::string existing_blocks =
      fmt::format("SELECT {} FROM blocks ORDER BY id", kBlockColumns);
  const std::string existing_audit =
      fmt::format("SELECT {} FROM audit WHERE id = ANY ($1::bigint[]) ORDER BY id", kAuditColumns);
  // Replicas may read meanwhile, but nobody writes: the rows read here stay as read until COMMIT,
  // and no comment draws an id while imported ids are being placed.
  const std::vector<pg::Statement> read{
      {nullptr, "BEGIN", {}},
      {nullptr, "SET LOCAL statement_timeout = 0", {}},
      {nullptr, "LOCK TABLE comments, blocks, audit IN SHARE ROW EXCLUSIVE MODE", {}},
      {nullptr, existing_comments.c_str(), {comment_ids_param.c_str()}},
      {nullptr, existing_blocks.c_str(), {}},
      {nullptr, existing_audit.c_str(), {audit_ids_param.c_str()}}};
  return execute(
      readers_, pg::Effect::commits, kTransferDeadline, [&](pg::Session& s, pg::Deadline deadline) {
        std::optional<ImportPlan> plan;
        try {
          plan = plan_import(data, snapshot_of(s.run(read, deadline), 3));
        } catch (const ImportConflict&) {
          s.run(std::vector<pg::Statement>{{nullptr, "ROLLBACK", {}}}, deadline);
          throw;
        }
        pg::ArrayLiteral c_id, c_content, c_email, c_text, c_at, c_state;
        for (const auto& c : plan->add.comments) {
          c_id.add(c.id);
          c_content.add(c.content_id);
          c_email.add(c.email);
          c_text.add(c.text);
          c_at.add(c.created_at_ms);
          c_state.add(to_string(c.state));
        }
        pg::ArrayLiteral b_id, b_kind, b_value, b_at;
        for (const auto& b : plan->add.blocks) {
          b_id.add(b.id);
          b_kind.add(b.kind);
          b_value.add(b.value);
          b_at.add(b.created_at_ms);
        }
        pg::ArrayLiteral a_id, a_at, a_actor, a_action, a_target;
        for (const auto& a : plan->add.audit) {
          a_id.add(a.id);
          a_at.add(a.at_ms);
          a_actor.add(a.actor);
          a_action.add(a.action);
          a_target.add(a.target);
        }
        const std::vector<std::string> p{
            c_id.str(),    c_content.str(), c_email.str(), c_text.str(),   c_at.str(),
            c_state.str(), b_id.str(),      b_kind.str(),  b_value.str(),  b_at.str(),
            a_id.str(),    a_at.str(),      a_actor.str(), a_action.str(), a_target.str()};
        const std::string comments_sequence = advance_identity("comments");
        const std::string blocks_sequence = advance_identity("blocks");
        const std::string audit_sequence = advance_identity("audit");
        const std::vector<pg::Statement> write{
            {nullptr,
             "INSERT INTO comments (id, content_id, email, comment, created_at_ms, state)"
             " OVERRIDING SYSTEM VALUE SELECT i, c, e, t, m, s FROM unnest($1::bigint[], "
             "$2::text[],"
             " $3::text[], $4::text[], $5::bigint[], $6::text[]) WITH ORDINALITY AS r(i, c, e, t, "
             "m, s, n)"
             " ORDER BY n",
             {p[0].c_str(), p[1].c_str(), p[2].c_str(), p[3].c_str(), p[4].c_str(), p[5].c_str()}},
            {nullptr,
             "INSERT INTO blocks (id, kind, value, created_at_ms) OVERRIDING SYSTEM VALUE"
             " SELECT i, k, v, m FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[])"
             " WITH ORDINALITY AS r(i, k, v, m, n) ORDER BY n",
             {p[6].c_str(), p[7].c_str(), p[8].c_str(), p[9].c_str()}},
            {nullptr,
             "INSERT INTO audit (id, at_ms, actor, action, target) OVERRIDING SYSTEM VALUE"
             " SELECT i, m, w, a, t FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[],"
             " $5::text[]) WITH ORDINALITY AS r(i, m, w, a, t, n) ORDER BY n",
             {p[10].c_str(), p[11].c_str(), p[12].c_str(), p[13].c_str(), p[14].c_str()}},
            {nullptr, comments_sequence.c_str(), {}},
            {nullptr, blocks_sequence.c_str(), {}},
            {nullptr, audit_sequence.c_str(), {}},
            {nullptr, "COMMIT", {}}};
        auto results = s.run(write, deadline);
        if (results.back().command != "COMMIT") {
          throw StoreError(errc::internal, "PostgreSQL did not commit the import");
        }
        return plan->result;
      });
}

}  // namespace comments::store
