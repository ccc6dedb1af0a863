#pragma once
// Diary: today's pain entry with the three red-flag questions (a "yes" shows the emergency
// warning at once, before anything is sent), today's entries, the pillow setup for tonight, and
// movement tests with the directional preference so far (GET/POST /v1/tests).
#include "pmap/dashboard/api_client.hpp"
#include "view.hpp"

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;

namespace pmap::dashboard::app {

class DiaryView : public View {
  Q_OBJECT
 public:
  DiaryView(ApiClient& api, QWidget* parent = nullptr);
  void refresh() override;
  [[nodiscard]] bool ready() const override { return pending_ == 0 && loaded_; }
  [[nodiscard]] QJsonObject facts() const override;
  /// Ticks one red-flag question (bladder_bowel / saddle_numbness / leg_weakness).
  void answer_red_flag(const QString& question);

 private:
  void update_warning();
  void submit();
  void use_setup();
  void submit_test();
  void load_tests();

  ApiClient& api_;
  QSpinBox* back_;
  QSpinBox* leg_;
  QComboBox* extent_;
  QCheckBox* bladder_;
  QCheckBox* saddle_;
  QCheckBox* weakness_;
  std::vector<std::pair<QCheckBox*, QString>> tags_;
  QLineEdit* note_;
  QPushButton* send_;
  QLabel* warning_;
  QLabel* result_;
  QLabel* today_;
  QComboBox* setups_;
  QLabel* setup_result_;
  QComboBox* direction_;
  QSpinBox* repetitions_;
  QComboBox* extent_before_;
  QComboBox* extent_after_;
  QSpinBox* leg_before_;
  QSpinBox* leg_after_;
  QLabel* test_result_;
  QString api_warning_;
  int pending_ = 0;
  bool loaded_ = false;
};

}  // namespace pmap::dashboard::app
