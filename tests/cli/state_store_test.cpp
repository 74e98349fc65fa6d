// Tests of the SQLite state: round trips with locations, apply order, transactions, bad paths.
#include "kubetwin/topology/state_store.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>

#include "kubetwin/k8s/loader.hpp"

namespace kubetwin::topology {
namespace {

namespace fs = std::filesystem;

class StateStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("kubetwin-state-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

k8s::ResourceList docs(const std::string& yaml) {
  return k8s::parse_resources(yaml, "app.yaml");
}

TEST(NodeEncoding, RoundTripKeepsKindsQuotingAndLocations) {
  auto list = docs(
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: ns\n"
      "data:\n  a: \"1\"\n  b: 1\n  c: ~\n  d: [x, 'y:z']\n  e: \"multi\\nline\"\n");
  ASSERT_EQ(list.size(), 1u);
  const k8s::Node& original = list[0].body;
  k8s::Node back = decode_node(encode_node(original));
  EXPECT_TRUE(back == original);
  const k8s::Node* a = back.at({"data", "a"});
  ASSERT_NE(a, nullptr);
  EXPECT_TRUE(a->quoted());
  EXPECT_FALSE(back.at({"data", "b"})->quoted());
  EXPECT_EQ(a->location().str(), "app.yaml:7:6");
  EXPECT_EQ(back.at({"data", "e"})->text(), "multi\nline");
}

TEST(NodeEncoding, CorruptInputThrows) {
  EXPECT_THROW(decode_node("P0:S-1,0,0,99:short"), std::runtime_error);
  EXPECT_THROW(decode_node("garbage"), std::runtime_error);
}

TEST_F(StateStoreTest, CommitKeepsOrderCreationSequenceAndProfile) {
  StateStore store = StateStore::open(dir_ / "sub" / "state.db");
  auto first = docs(
      "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\n"
      "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: a}\n");
  EXPECT_EQ(store.commit(StateChange{"one", first, {}, std::string("clusters/x.yaml")}), 1);
  auto second = docs(
      "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: a}\n"
      "spec: {replicas: 3}\n---\n"
      "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: a}\n");
  EXPECT_EQ(store.commit(StateChange{"two", second, {}, std::nullopt}), 2);

  State s = StateStore::open(dir_ / "sub" / "state.db").load();
  ASSERT_EQ(s.resources.size(), 3u);
  EXPECT_EQ(s.resources[0].key.kind, "Namespace");
  EXPECT_EQ(s.resources[1].key, (ResourceKey{"apps", "Deployment", "a", "web"}));
  EXPECT_EQ(s.resources[1].created_seq, 1);
  EXPECT_EQ(s.resources[1].updated_seq, 2);
  EXPECT_EQ(s.resources[1].created_at_seconds, 0);
  EXPECT_EQ(s.resources[1].resource.body.at({"spec", "replicas"})->text(), "3");
  EXPECT_EQ(s.resources[2].created_at_seconds, kApplyStepSeconds);
  EXPECT_EQ(s.cluster_profile, "clusters/x.yaml");
  ASSERT_EQ(s.applies.size(), 2u);
  EXPECT_EQ(s.applies[1].source, "two");
  EXPECT_EQ(s.now_seconds(), 2 * kApplyStepSeconds);
  EXPECT_EQ(s.resources[1].resource.location().str(), "app.yaml:1:1");
}

TEST_F(StateStoreTest, DeleteAndReset) {
  StateStore store = StateStore::open(dir_ / "state.db");
  store.commit(StateChange{
      "one", docs("apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n"), {}, std::nullopt});
  StateChange del;
  del.deletes.push_back(ResourceKey{"", "Namespace", "", "a"});
  del.record_apply = false;
  EXPECT_EQ(store.commit(del), 0);
  EXPECT_TRUE(store.load().resources.empty());
  EXPECT_EQ(store.load().applies.size(), 1u);
  store.reset();
  EXPECT_TRUE(store.load().applies.empty());
}

TEST_F(StateStoreTest, FailedTransactionLeavesPreviousState) {
  fs::path path = dir_ / "state.db";
  StateStore store = StateStore::open(path);
  store.commit(StateChange{
      "one", docs("apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n"), {}, std::nullopt});
  // A trigger makes the second insert of the next batch fail, after the first one ran.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "CREATE TRIGGER boom BEFORE INSERT ON resources WHEN NEW.name = 'bad' "
                         "BEGIN SELECT RAISE(ABORT, 'boom'); END;",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  auto batch = docs(
      "apiVersion: v1\nkind: Namespace\nmetadata: {name: good}\n---\n"
      "apiVersion: v1\nkind: Namespace\nmetadata: {name: bad}\n");
  EXPECT_THROW(store.commit(StateChange{"two", batch, {}, std::string("p.yaml")}),
               std::runtime_error);
  State after = store.load();
  ASSERT_EQ(after.resources.size(), 1u);
  EXPECT_EQ(after.resources[0].key.name, "a");
  EXPECT_EQ(after.applies.size(), 1u);
  EXPECT_EQ(after.cluster_profile, "");
}

TEST_F(StateStoreTest, UnwritablePathIsAnInputError) {
  fs::create_directories(dir_);
  fs::path file = dir_ / "plain-file";
  {
    std::FILE* f = std::fopen(file.c_str(), "w");
    std::fputs("x", f);
    std::fclose(f);
  }
  try {
    StateStore::open(file / "state.db");
    FAIL() << "expected InputError";
  } catch (const k8s::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot create the state directory"), std::string::npos);
  }
  fs::path garbage = dir_ / "garbage.db";
  {
    std::FILE* f = std::fopen(garbage.c_str(), "w");
    for (int i = 0; i < 200; ++i) std::fputs("not a database at all ", f);
    std::fclose(f);
  }
  EXPECT_THROW(StateStore::open(garbage), k8s::InputError);
}

TEST(ResolveStatePath, FlagThenEnvThenDefault) {
  ::setenv("KUBETWIN_STATE", "/tmp/from-env.db", 1);
  EXPECT_EQ(resolve_state_path(std::string("/x.db")), fs::path("/x.db"));
  EXPECT_EQ(resolve_state_path(std::nullopt), fs::path("/tmp/from-env.db"));
  ::unsetenv("KUBETWIN_STATE");
  EXPECT_EQ(resolve_state_path(std::nullopt), fs::path(".kubetwin/state.db"));
}

}  // namespace
}  // namespace kubetwin::topology
