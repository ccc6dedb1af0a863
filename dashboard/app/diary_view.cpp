#include "diary_view.hpp"

#include <QCheckBox>
#include <QComboBox>
#include <QDate>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QUrlQuery>
#include <QVBoxLayout>
#include <nlohmann/json.hpp>

#include "pmap/dashboard/api_documents.hpp"

namespace pmap::dashboard::app {

DiaryView::DiaryView(ApiClient& api, QWidget* parent) : View(parent), api_(api) {
  auto* layout = new QVBoxLayout(this);
  warning_ = new QLabel(this);
  warning_->setWordWrap(true);
  warning_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  warning_->setStyleSheet(QStringLiteral(
      "QLabel{background:#b00000;color:white;font-weight:bold;font-size:15pt;padding:12px;"
      "border:4px solid black}"));
  warning_->hide();
  layout->addWidget(warning_);
  auto* columns = new QHBoxLayout();
  auto* entry = new QGroupBox(tr("How is your pain now?"), this);
  auto* form = new QFormLayout(entry);
  back_ = new QSpinBox(entry);
  back_->setRange(0, 10);
  leg_ = new QSpinBox(entry);
  leg_->setRange(0, 10);
  extent_ = new QComboBox(entry);
  for (const auto& [value, text] : {std::pair{"none", "no leg pain"},
                                    {"back", "back only"},
                                    {"buttock", "buttock"},
                                    {"thigh", "thigh"},
                                    {"knee", "knee"},
                                    {"calf", "calf"},
                                    {"foot", "foot"}}) {
    extent_->addItem(tr(text), QString::fromLatin1(value));
  }
  form->addRow(tr("Bac&k pain (0-10)"), back_);
  form->addRow(tr("Le&g pain (0-10)"), leg_);
  form->addRow(tr("Pain reaches do&wn to"), extent_);
  auto* flags_label = new QLabel(tr("<b>Since your last entry, have you had…</b>"), entry);
  form->addRow(flags_label);
  bladder_ = new QCheckBox(tr("Yes - loss of bladder or bowel control"), entry);
  saddle_ = new QCheckBox(tr("Yes - numbness between the legs or around the back passage (saddle)"),
                          entry);
  weakness_ =
      new QCheckBox(tr("Yes - new or worse weakness in a leg, or a foot that drops"), entry);
  form->addRow(bladder_);
  form->addRow(saddle_);
  form->addRow(weakness_);
  auto* tags_box = new QHBoxLayout();
  for (const auto& [value, text] : {std::pair{"on_waking", "on waking"},
                                    {"after_sitting", "after sitting"},
                                    {"after_walking", "after walking"},
                                    {"at_night", "at night"}}) {
    auto* box = new QCheckBox(tr(text), entry);
    tags_box->addWidget(box);
    tags_.emplace_back(box, QString::fromLatin1(value));
  }
  form->addRow(tr("When"), tags_box);
  note_ = new QLineEdit(entry);
  note_->setMaxLength(1000);
  form->addRow(tr("N&ote"), note_);
  send_ = new QPushButton(tr("Sa&ve entry"), entry);
  form->addRow(send_);
  result_ = new QLabel(entry);
  result_->setWordWrap(true);
  form->addRow(result_);
  columns->addWidget(entry, 3);
  auto* side = new QVBoxLayout();
  auto* tonight = new QGroupBox(tr("Pillow setup for tonight"), this);
  auto* tonight_layout = new QVBoxLayout(tonight);
  setups_ = new QComboBox(tonight);
  auto* use = new QPushButton(tr("&Use tonight"), tonight);
  setup_result_ = new QLabel(tonight);
  setup_result_->setWordWrap(true);
  tonight_layout->addWidget(setups_);
  tonight_layout->addWidget(use);
  tonight_layout->addWidget(setup_result_);
  side->addWidget(tonight);
  auto* today_box = new QGroupBox(tr("Today's entries"), this);
  auto* today_layout = new QVBoxLayout(today_box);
  today_ = new QLabel(today_box);
  today_->setWordWrap(true);
  today_layout->addWidget(today_);
  side->addWidget(today_box);
  // A movement test: repeat one movement, then say how far down the pain reaches and how bad the
  // leg is, before and after. Pain that retreats towards the spine is progress.
  auto* tests = new QGroupBox(tr("Movement test"), this);
  auto* tests_form = new QFormLayout(tests);
  direction_ = new QComboBox(tests);
  for (const auto& [value, text] :
       {std::pair{"extension", "extension (press-ups lying on the front)"},
        {"flexion", "flexion (knees to chest)"},
        {"nerve_glide", "nerve glide"},
        {"side_glide", "side glide"},
        {"other", "other"}}) {
    direction_->addItem(tr(text), QString::fromLatin1(value));
  }
  repetitions_ = new QSpinBox(tests);
  repetitions_->setRange(0, 100);
  repetitions_->setValue(10);
  const auto extent_box = [&](QWidget* parent) {
    auto* box = new QComboBox(parent);
    for (int i = 0; i < extent_->count(); ++i)
      box->addItem(extent_->itemText(i), extent_->itemData(i));
    return box;
  };
  extent_before_ = extent_box(tests);
  extent_after_ = extent_box(tests);
  leg_before_ = new QSpinBox(tests);
  leg_before_->setRange(0, 10);
  leg_after_ = new QSpinBox(tests);
  leg_after_->setRange(0, 10);
  tests_form->addRow(tr("&Movement"), direction_);
  tests_form->addRow(tr("Re&petitions"), repetitions_);
  tests_form->addRow(tr("Pain reac&hed down to, before"), extent_before_);
  tests_form->addRow(tr("… and a&fter"), extent_after_);
  tests_form->addRow(tr("Leg pain &before (0-10)"), leg_before_);
  tests_form->addRow(tr("Leg pain &after (0-10)"), leg_after_);
  auto* save_test = new QPushButton(tr("Sav&e test"), tests);
  tests_form->addRow(save_test);
  test_result_ = new QLabel(tests);
  test_result_->setWordWrap(true);
  tests_form->addRow(test_result_);
  side->addWidget(tests);
  side->addStretch(1);
  columns->addLayout(side, 2);
  layout->addLayout(columns, 1);
  for (auto* box : {bladder_, saddle_, weakness_}) {
    connect(box, &QCheckBox::toggled, this, &DiaryView::update_warning);
  }
  // Names for the keyboard tests and accessibility tools (the Tab order is the creation order,
  // which is the reading order: the entry column, then tonight's pillow, then the movement test).
  for (const auto& [widget, name] : std::initializer_list<std::pair<QWidget*, const char*>>{
           {back_, "back_pain"},
           {leg_, "leg_pain"},
           {extent_, "extent"},
           {bladder_, "red_flag_bladder_bowel"},
           {saddle_, "red_flag_saddle_numbness"},
           {weakness_, "red_flag_leg_weakness"},
           {note_, "note"},
           {send_, "save_entry"},
           {setups_, "setup"},
           {use, "use_setup"},
           {direction_, "test_movement"},
           {repetitions_, "test_repetitions"},
           {extent_before_, "test_extent_before"},
           {extent_after_, "test_extent_after"},
           {leg_before_, "test_leg_pain_before"},
           {leg_after_, "test_leg_pain_after"},
           {save_test, "save_test"}}) {
    widget->setObjectName(QString::fromLatin1(name));
  }
  for (const auto& [box, value] : tags_) box->setObjectName(QStringLiteral("tag_") + value);
  connect(send_, &QPushButton::clicked, this, &DiaryView::submit);
  connect(use, &QPushButton::clicked, this, &DiaryView::use_setup);
  connect(save_test, &QPushButton::clicked, this, &DiaryView::submit_test);
}

void DiaryView::submit_test() {
  MovementTestForm form;
  form.direction = direction_->currentData().toString().toStdString();
  form.repetitions = repetitions_->value();
  form.extent_before = extent_before_->currentData().toString().toStdString();
  form.extent_after = extent_after_->currentData().toString().toStdString();
  form.leg_pain_before = leg_before_->value();
  form.leg_pain_after = leg_after_->value();
  std::string error;
  const auto body = movement_test_body(form, error);
  if (!body) {
    test_result_->setText(tr("Not saved: %1").arg(QString::fromStdString(error)));
    return;
  }
  test_result_->setText(tr("Saving…"));
  api_.post(QStringLiteral("/v1/tests"), QByteArray::fromStdString(*body),
            [this](const ApiReply& r) {
              if (!r.ok()) {
                test_result_->setText(tr("Not saved - %1.").arg(r.problem()));
                return;
              }
              refresh();
            });
}

void DiaryView::answer_red_flag(const QString& question) {
  if (question == QLatin1String("bladder_bowel")) bladder_->setChecked(true);
  if (question == QLatin1String("saddle_numbness")) saddle_->setChecked(true);
  if (question == QLatin1String("leg_weakness")) weakness_->setChecked(true);
}

void DiaryView::update_warning() {
  const bool local = bladder_->isChecked() || saddle_->isChecked() || weakness_->isChecked();
  if (!local && api_warning_.isEmpty()) {
    warning_->hide();
    return;
  }
  QString text = QStringLiteral("⚠ ") +
                 QString::fromUtf8(red_flag_banner_text().data(), red_flag_banner_text().size());
  if (!api_warning_.isEmpty()) text += QStringLiteral("\n\n") + api_warning_;
  warning_->setText(text);
  warning_->show();
}

void DiaryView::submit() {
  PainForm form;
  form.back_pain = back_->value();
  form.leg_pain = leg_->value();
  form.extent = extent_->currentData().toString().toStdString();
  form.bladder_bowel = bladder_->isChecked();
  form.saddle_numbness = saddle_->isChecked();
  form.leg_weakness = weakness_->isChecked();
  for (const auto& [box, value] : tags_) {
    if (box->isChecked()) form.tags.push_back(value.toStdString());
  }
  form.note = note_->text().toStdString();
  std::string error;
  const auto body = pain_body(form, error);
  if (!body) {
    result_->setText(tr("Not saved: %1").arg(QString::fromStdString(error)));
    return;
  }
  send_->setEnabled(false);
  result_->setText(tr("Saving…"));
  api_.post(QStringLiteral("/v1/pain"), QByteArray::fromStdString(*body),
            [this](const ApiReply& r) {
              send_->setEnabled(true);
              if (!r.ok()) {
                result_->setText(
                    tr("Not saved - %1. Your answers are still in the form.").arg(r.problem()));
                return;
              }
              const auto doc = nlohmann::json::parse(r.body.toStdString(), nullptr, false);
              if (doc.is_object() && doc.contains("red_flag_warning") &&
                  doc["red_flag_warning"].is_string()) {
                api_warning_ = QString::fromStdString(doc["red_flag_warning"].get<std::string>());
              }
              update_warning();
              result_->setText(tr("Saved. Thank you."));
              refresh();
            });
}

void DiaryView::use_setup() {
  const QString name = setups_->currentData().toString();
  if (name.isEmpty()) {
    setup_result_->setText(tr("No setup to choose: add one with pmapctl setup add."));
    return;
  }
  api_.post(QStringLiteral("/v1/setups/use"),
            QByteArray::fromStdString(setup_use_body(name.toStdString())),
            [this, name](const ApiReply& r) {
              setup_result_->setText(r.ok() ? tr("Tonight: %1").arg(name)
                                            : tr("Not changed - %1").arg(r.problem()));
            });
}

void DiaryView::refresh() {
  loaded_ = false;
  pending_ = 3;
  const QString today = QDate::currentDate().toString(Qt::ISODate);
  QUrlQuery q;
  q.addQueryItem(QStringLiteral("from"), today);
  q.addQueryItem(QStringLiteral("to"), today);
  api_.get(QStringLiteral("/v1/pain"), q, [this](const ApiReply& r) {
    if (--pending_ == 0) loaded_ = true;
    if (!r.ok()) {
      today_->setText(r.problem());
      return;
    }
    const auto parsed = parse_pain(std::string_view(r.body.constData(), r.body.size()));
    QStringList lines;
    for (const auto& e : parsed.rows) {
      lines << tr("%1  back %2, leg %3 (%4)%5")
                   .arg(QString::fromStdString(e.time.substr(11, 5)))
                   .arg(e.back_pain)
                   .arg(e.leg_pain)
                   .arg(QString::fromStdString(e.extent))
                   .arg(e.red_flag ? tr("  RED FLAG") : QString());
    }
    today_->setText(lines.isEmpty() ? tr("No entry yet today.") : lines.join('\n'));
    // A red flag answered today (here or with pmapctl) keeps the warning on screen.
    if (parsed.red_flag_warning) {
      api_warning_ = QString::fromStdString(*parsed.red_flag_warning);
      update_warning();
    }
  });
  load_tests();
  api_.get(QStringLiteral("/v1/setups"), {}, [this](const ApiReply& r) {
    if (--pending_ == 0) loaded_ = true;
    if (!r.ok()) {
      setup_result_->setText(r.problem());
      return;
    }
    const auto doc = nlohmann::json::parse(r.body.toStdString(), nullptr, false);
    setups_->clear();
    if (!doc.is_object() || !doc.contains("setups") || !doc["setups"].is_array()) {
      setup_result_->setText(tr("The gateway's answer was not understood."));
      return;
    }
    const std::string in_use = doc.value("in_use", nlohmann::json()).is_string()
                                   ? doc["in_use"].get<std::string>()
                                   : std::string();
    for (const auto& s : doc["setups"]) {
      if (!s.is_object() || !s.contains("name") || !s["name"].is_string()) continue;
      const QString name = QString::fromStdString(s["name"].get<std::string>());
      setups_->addItem(
          tr("%1 (knee pillow %2)")
              .arg(name, QString::fromStdString(s.value("knee_pillow", std::string("?")))),
          name);
      if (s["name"] == in_use) setups_->setCurrentIndex(setups_->count() - 1);
    }
    setup_result_->setText(setups_->count() == 0
                               ? tr("No setups yet: add one with pmapctl setup add.")
                           : in_use.empty() ? tr("None in use.")
                                            : tr("In use: %1").arg(QString::fromStdString(in_use)));
  });
}

void DiaryView::load_tests() {
  api_.get(QStringLiteral("/v1/tests"), {}, [this](const ApiReply& r) {
    if (--pending_ == 0) loaded_ = true;
    test_result_->setText(r.ok() ? QString::fromStdString(movement_tests_text(
                                       std::string_view(r.body.constData(), r.body.size())))
                                 : r.problem());
  });
}

QJsonObject DiaryView::facts() const {
  QJsonObject o;
  o["red_flag_warning_shown"] = !warning_->isHidden();
  o["warning_text"] = warning_->text();
  o["result_text"] = result_->text();
  o["today_text"] = today_->text();
  o["setups"] = setups_->count();
  o["setup_text"] = setup_result_->text();
  o["tests_text"] = test_result_->text();
  return o;
}

}  // namespace pmap::dashboard::app
