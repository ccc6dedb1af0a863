// Keyboard walk-through of the real dashboard window (docs/dashboard.md, "Keyboard"): the views
// switch with Ctrl+1…6 and Alt+letter, F5 reloads, Tab visits every control of a view in reading
// order and nothing else, mnemonics never clash, the night and the sitting day step with
// Alt+Left/Right, and a pain entry — red flag included — is filled in and saved without a mouse.
// The window talks to a real ApiServer on loopback over a real SQLite file, so "saved" means a
// row in the database.
#include <gtest/gtest.h>

#include <QAbstractButton>
#include <QAbstractSpinBox>
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDateEdit>
#include <QGroupBox>
#include <QLabel>
#include <QLineEdit>
#include <QTabBar>
#include <QTabWidget>
#include <QTest>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "diary_view.hpp"
#include "main_window.hpp"
#include "pmap/api/api_server.hpp"
#include "pmap/log.hpp"
#include "pmap/report/report_route.hpp"
#include "pmap/store.hpp"
#include "test_util.hpp"
#include "view.hpp"

namespace pmap::dashboard::app {
namespace {

/// One QApplication for the test program, made before the first test and destroyed after the
/// last — before static destruction, where Qt's own globals may already be gone.
class QtApplication : public ::testing::Environment {
 public:
  void SetUp() override {
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    app_ = std::make_unique<QApplication>(argc_, argv_);
  }
  void TearDown() override { app_.reset(); }

 private:
  int argc_ = 1;
  char name_[24] = "dashboard_keyboard_test";
  char* argv_[2] = {name_, nullptr};
  std::unique_ptr<QApplication> app_;
};
[[maybe_unused]] const auto* const kQtApplication =
    ::testing::AddGlobalTestEnvironment(new QtApplication);

/// How a control is named in the expectations: its object name, else its text, else its class.
QString describe(const QWidget* w) {
  if (w == nullptr) return QStringLiteral("(none)");
  if (!w->objectName().isEmpty() && !w->objectName().startsWith(QLatin1String("qt_")))
    return w->objectName();
  if (const auto* b = qobject_cast<const QAbstractButton*>(w)) return b->text();
  if (qobject_cast<const QTabBar*>(w) != nullptr) return QStringLiteral("tabs");
  return QString::fromLatin1(w->metaObject()->className());
}

/// A mnemonic's letter in a text ("&Back" → 'b'), or 0; "&&" is a literal ampersand.
QChar mnemonic(const QString& text) {
  for (qsizetype i = 0; i + 1 < text.size(); ++i) {
    if (text[i] != QLatin1Char('&')) continue;
    if (text[i + 1] == QLatin1Char('&')) {
      ++i;
      continue;
    }
    return text[i + 1].toLower();
  }
  return QChar();
}

class DashboardKeyboard : public ::testing::Test {
 protected:
  void SetUp() override {
    { Store create(db()); }  // the schema
    pmap::api::ApiConfig c;
    c.db_path = db();
    c.listen = "127.0.0.1:0";
    c.tz = "Europe/Berlin";
    server_ = std::make_unique<pmap::api::ApiServer>(c, logger_, states_);
    pmap::report::add_report_route(*server_);
    server_->start();
    api_ = std::make_unique<ApiClient>(
        QUrl(QStringLiteral("http://127.0.0.1:%1").arg(server_->port())), std::string());
    Options o;
    o.date = "2026-11-20";
    o.no_mqtt = true;
    window_ = std::make_unique<MainWindow>(o, *api_, mailbox_);
    window_->resize(1366, 768);
    window_->show();
    window_->activateWindow();
    ASSERT_TRUE(QTest::qWaitForWindowActive(window_.get()));
    tabs_ = window_->findChild<QTabWidget*>();
    ASSERT_NE(tabs_, nullptr);
    idle();
  }
  void TearDown() override {
    window_.reset();
    api_.reset();
    server_.reset();
  }

  [[nodiscard]] std::string db() const { return dir_.file("pmap.db"); }

  /// Presses a key where the keyboard's focus is (the window when nothing has it).
  void key(Qt::Key k, Qt::KeyboardModifiers modifiers = Qt::NoModifier) {
    QWidget* target = QApplication::focusWidget();
    QTest::keyClick(target != nullptr ? target : window_.get(), k, modifiers);
    QApplication::processEvents();
  }
  void type(const QString& text) {
    QTest::keyClicks(QApplication::focusWidget(), text);
    QApplication::processEvents();
  }
  /// Waits until no request to the API is open.
  void idle() {
    ASSERT_TRUE(QTest::qWaitFor([this] { return api_->pending() == 0; }, 15000));
  }
  [[nodiscard]] std::uint64_t requests() const {
    return server_->counters()["requests"].get<std::uint64_t>();
  }

  /// The Tab chain of the shown view, starting on the tab bar: every widget Tab stops on until
  /// the focus comes back to the tab bar (at most 100 stops: more means a trap).
  std::vector<QWidget*> tab_chain() {
    tabs_->tabBar()->setFocus(Qt::TabFocusReason);
    QApplication::processEvents();
    std::vector<QWidget*> chain{QApplication::focusWidget()};
    for (int i = 0; i < 100; ++i) {
      key(Qt::Key_Tab);
      QWidget* now = QApplication::focusWidget();
      if (now == chain.front()) return chain;
      chain.push_back(now);
    }
    ADD_FAILURE() << "Tab never came back to the tab bar";
    return chain;
  }
  /// The chain by name; a date's sections (Tab moves from day to month to year inside it) count
  /// once.
  std::vector<QString> described_chain() {
    std::vector<QString> names;
    const QWidget* previous = nullptr;
    for (const QWidget* w : tab_chain()) {
      if (w != previous) names.push_back(describe(w));
      previous = w;
    }
    return names;
  }
  /// A button's shortcut or mnemonic clicks it after a short animation: wait for the effect.
  static bool eventually(const std::function<bool()>& condition) {
    return QTest::qWaitFor(condition, 10000);
  }

  pmap::test::TempDir dir_;
  Logger logger_{LogLevel::kOff};
  std::shared_ptr<pmap::api::StateSnapshot> states_ = std::make_shared<pmap::api::StateSnapshot>();
  std::unique_ptr<pmap::api::ApiServer> server_;
  std::unique_ptr<ApiClient> api_;
  Mailbox mailbox_;
  std::unique_ptr<MainWindow> window_;
  QTabWidget* tabs_ = nullptr;
};

const std::vector<QString> kViews{QStringLiteral("live"),    QStringLiteral("night"),
                                  QStringLiteral("sitting"), QStringLiteral("trends"),
                                  QStringLiteral("report"),  QStringLiteral("diary")};

TEST_F(DashboardKeyboard, CtrlDigitsAndAltLettersSwitchTheViews) {
  for (int i = 5; i >= 0; --i) {
    key(static_cast<Qt::Key>(Qt::Key_1 + i), Qt::ControlModifier);
    EXPECT_EQ(window_->current_name(), kViews[static_cast<std::size_t>(i)]) << "Ctrl+" << i + 1;
  }
  const std::vector<std::pair<Qt::Key, QString>> letters{
      {Qt::Key_N, QStringLiteral("night")},  {Qt::Key_S, QStringLiteral("sitting")},
      {Qt::Key_T, QStringLiteral("trends")}, {Qt::Key_R, QStringLiteral("report")},
      {Qt::Key_D, QStringLiteral("diary")},  {Qt::Key_L, QStringLiteral("live")}};
  for (const auto& [letter, view] : letters) {
    key(letter, Qt::AltModifier);
    EXPECT_EQ(window_->current_name(), view)
        << "Alt+" << QKeySequence(letter).toString().toStdString();
  }
  idle();
}

TEST_F(DashboardKeyboard, F5ReloadsTheShownView) {
  window_->show_view(QStringLiteral("night"));
  idle();
  const auto before = requests();
  key(Qt::Key_F5);
  idle();
  EXPECT_GT(requests(), before) << "F5 on the night view asked the gateway nothing";
  const auto after_night = requests();
  key(Qt::Key_F5);
  idle();
  EXPECT_GT(requests(), after_night);
}

TEST_F(DashboardKeyboard, TabVisitsEveryControlOfEachViewInReadingOrderAndNothingElse) {
  const QString unit = QStringLiteral("pressure_unit");
  const QString tabs = QStringLiteral("tabs");
  const std::map<QString, std::vector<QString>> expected{
      {QStringLiteral("live"), {tabs, QStringLiteral("live_mats"), unit}},
      {QStringLiteral("night"),
       {tabs, QStringLiteral("◀ Previous night"), QStringLiteral("night_date"),
        QStringLiteral("Next night ▶"), unit}},
      {QStringLiteral("sitting"),
       {tabs, QStringLiteral("◀ Previous day"), QStringLiteral("sitting_date"),
        QStringLiteral("Next day ▶"), unit}},
      {QStringLiteral("trends"),
       {tabs, QStringLiteral("trend_range"), QStringLiteral("trend_measure"), unit}},
      {QStringLiteral("report"),
       {tabs, QStringLiteral("report_date"), QStringLiteral("Save as &PDF…"),
        QStringLiteral("report_text"), unit}},
      {QStringLiteral("diary"),
       {tabs,
        QStringLiteral("back_pain"),
        QStringLiteral("leg_pain"),
        QStringLiteral("extent"),
        QStringLiteral("red_flag_bladder_bowel"),
        QStringLiteral("red_flag_saddle_numbness"),
        QStringLiteral("red_flag_leg_weakness"),
        QStringLiteral("tag_on_waking"),
        QStringLiteral("tag_after_sitting"),
        QStringLiteral("tag_after_walking"),
        QStringLiteral("tag_at_night"),
        QStringLiteral("note"),
        QStringLiteral("save_entry"),
        QStringLiteral("setup"),
        QStringLiteral("use_setup"),
        QStringLiteral("test_movement"),
        QStringLiteral("test_repetitions"),
        QStringLiteral("test_extent_before"),
        QStringLiteral("test_extent_after"),
        QStringLiteral("test_leg_pain_before"),
        QStringLiteral("test_leg_pain_after"),
        QStringLiteral("save_test"),
        unit}}};
  for (const QString& view : kViews) {
    window_->show_view(view);
    idle();
    const auto chain = described_chain();
    std::vector<std::string> got;
    for (const QString& s : chain) got.push_back(s.toStdString());
    std::vector<std::string> want;
    for (const QString& s : expected.at(view)) want.push_back(s.toStdString());
    EXPECT_EQ(got, want) << "view " << view.toStdString();
  }
}

TEST_F(DashboardKeyboard, MnemonicsAreUniqueAndEveryLabelledFieldHasOne) {
  for (const QString& view : kViews) {
    window_->show_view(view);
    idle();
    std::map<QChar, std::vector<QString>> owners;
    for (int i = 0; i < tabs_->count(); ++i) {
      const QChar m = mnemonic(tabs_->tabText(i));
      EXPECT_FALSE(m.isNull()) << "tab " << tabs_->tabText(i).toStdString() << " has no mnemonic";
      owners[m].push_back(tabs_->tabText(i));
    }
    for (QWidget* w : window_->findChildren<QWidget*>()) {
      if (!w->isVisible()) continue;
      QString text;
      if (const auto* b = qobject_cast<QAbstractButton*>(w)) text = b->text();
      if (const auto* g = qobject_cast<QGroupBox*>(w)) text = g->title();
      if (const auto* l = qobject_cast<QLabel*>(w); l != nullptr && l->buddy() != nullptr) {
        text = l->text();
        EXPECT_FALSE(mnemonic(text).isNull())
            << "view " << view.toStdString() << ": label '" << text.toStdString()
            << "' has a field but no Alt key";
      }
      const QChar m = mnemonic(text);
      if (!m.isNull()) owners[m].push_back(text);
    }
    for (const auto& [letter, texts] : owners) {
      if (texts.size() < 2) continue;
      std::string all;
      for (const QString& t : texts) all += " '" + t.toStdString() + "'";
      ADD_FAILURE() << "view " << view.toStdString() << ": Alt+" << QString(letter).toStdString()
                    << " belongs to" << all;
    }
  }
}

TEST_F(DashboardKeyboard, AltArrowsStepTheNightAndTheSittingDay) {
  for (const QString& view : {QStringLiteral("night"), QStringLiteral("sitting")}) {
    window_->show_view(view);
    idle();
    auto* date = window_->current_view()->findChild<QDateEdit*>();
    ASSERT_NE(date, nullptr);
    EXPECT_EQ(date->date(), QDate(2026, 11, 20));
    const auto before = requests();
    key(Qt::Key_Left, Qt::AltModifier);
    EXPECT_TRUE(eventually([&] { return date->date() == QDate(2026, 11, 19); }))
        << view.toStdString();
    key(Qt::Key_Right, Qt::AltModifier);
    EXPECT_TRUE(eventually([&] { return date->date() == QDate(2026, 11, 20); }));
    key(Qt::Key_Right, Qt::AltModifier);
    EXPECT_TRUE(eventually([&] { return date->date() == QDate(2026, 11, 21); }))
        << view.toStdString();
    idle();
    EXPECT_GT(requests(), before) << "stepping the day loads it";
  }
}

TEST_F(DashboardKeyboard, APainEntryIsFilledInAndSavedWithoutAMouse) {
  key(Qt::Key_6, Qt::ControlModifier);
  ASSERT_EQ(window_->current_name(), QStringLiteral("diary"));
  idle();
  key(Qt::Key_K, Qt::AltModifier);  // "Bac&k pain"
  ASSERT_EQ(describe(QApplication::focusWidget()), QStringLiteral("back_pain"));
  key(Qt::Key_A, Qt::ControlModifier);
  type(QStringLiteral("6"));
  key(Qt::Key_G, Qt::AltModifier);
  ASSERT_EQ(describe(QApplication::focusWidget()), QStringLiteral("leg_pain"));
  key(Qt::Key_A, Qt::ControlModifier);
  type(QStringLiteral("4"));
  key(Qt::Key_W, Qt::AltModifier);  // "Pain reaches do&wn to"
  ASSERT_EQ(describe(QApplication::focusWidget()), QStringLiteral("extent"));
  for (int i = 0; i < 5; ++i) key(Qt::Key_Down);  // no leg pain → back → … → calf
  auto* extent = qobject_cast<QComboBox*>(QApplication::focusWidget());
  ASSERT_NE(extent, nullptr);
  EXPECT_EQ(extent->currentData().toString(), QStringLiteral("calf"));
  key(Qt::Key_Tab);
  key(Qt::Key_Tab);
  key(Qt::Key_Tab);
  key(Qt::Key_Tab);  // the first "when" tag
  ASSERT_EQ(describe(QApplication::focusWidget()), QStringLiteral("tag_on_waking"));
  key(Qt::Key_Space);
  key(Qt::Key_O, Qt::AltModifier);
  ASSERT_EQ(describe(QApplication::focusWidget()), QStringLiteral("note"));
  type(QStringLiteral("typed without a mouse"));
  const auto before = requests();
  key(Qt::Key_V, Qt::AltModifier);  // "Sa&ve entry"
  EXPECT_TRUE(eventually([this] {
    return window_->diary()
        ->facts()
        .value(QStringLiteral("result_text"))
        .toString()
        .startsWith(QStringLiteral("Saved"));
  })) << window_->diary()->facts().value(QStringLiteral("result_text")).toString().toStdString();
  EXPECT_GT(requests(), before);
  Store store(db());
  EXPECT_EQ(store.db().query_int("SELECT COUNT(*) FROM pain_entries"), 1);
  EXPECT_EQ(store.db().query_text("SELECT back_pain || '/' || leg_pain || '/' || extent || '/' || "
                                  "tags || '/' || note FROM pain_entries"),
            "6/4/calf/on_waking/typed without a mouse");
}

TEST_F(DashboardKeyboard, ARedFlagTickedWithTheSpaceBarWarnsAtOnceAndIsSaved) {
  window_->show_view(QStringLiteral("diary"));
  idle();
  auto* diary = window_->diary();
  EXPECT_FALSE(diary->facts().value(QStringLiteral("red_flag_warning_shown")).toBool());
  key(Qt::Key_W, Qt::AltModifier);  // the leg pain's extent, then the red-flag questions
  key(Qt::Key_Tab);
  key(Qt::Key_Tab);  // saddle numbness
  ASSERT_EQ(describe(QApplication::focusWidget()), QStringLiteral("red_flag_saddle_numbness"));
  key(Qt::Key_Space);
  // Immediately, before anything is saved or the gateway answers.
  EXPECT_TRUE(diary->facts().value(QStringLiteral("red_flag_warning_shown")).toBool());
  const QString warning = diary->facts().value(QStringLiteral("warning_text")).toString();
  EXPECT_TRUE(warning.contains(QStringLiteral("emergency"), Qt::CaseInsensitive))
      << warning.toStdString();
  key(Qt::Key_V, Qt::AltModifier);
  ASSERT_TRUE(eventually([&] {
    return diary->facts()
        .value(QStringLiteral("result_text"))
        .toString()
        .startsWith(QStringLiteral("Saved"));
  }));
  EXPECT_TRUE(diary->facts().value(QStringLiteral("red_flag_warning_shown")).toBool());
  Store store(db());
  EXPECT_EQ(store.db().query_text(
                "SELECT bladder_bowel || saddle_numbness || leg_weakness FROM pain_entries"),
            "010");
}

/// The same window, for what is not about keys.
using DashboardWindow = DashboardKeyboard;

TEST_F(DashboardWindow, TheReportIsLaidOutAgainAtTheNewWidthWhenTheWindowIsResized) {
  window_->show_view(QStringLiteral("report"));
  idle();
  View* report = window_->current_view();
  const auto width = [report] {
    return report->facts().value(QStringLiteral("laid_out_width")).toInt();
  };
  ASSERT_TRUE(eventually([&] { return width() > 1000; }))
      << width() << " "
      << report->facts().value(QStringLiteral("status_text")).toString().toStdString();
  const int wide = width();
  window_->resize(900, 700);
  ASSERT_TRUE(eventually([&] { return width() < wide - 300; })) << wide << " → " << width();
  window_->resize(1366, 768);
  // As wide as before, less a vertical scroll bar the narrow layout may have brought.
  EXPECT_TRUE(eventually([&] { return std::abs(width() - wide) <= 20; }))
      << wide << " → " << width();
}

}  // namespace
}  // namespace pmap::dashboard::app
