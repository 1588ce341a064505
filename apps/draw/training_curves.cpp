// apps/draw/training_curves.cpp — see training_curves.h.
#include "apps/draw/training_curves.h"

#include <fstream>
#include <nlohmann/json.hpp>

#include "apps/draw/plot.h"
#include "engine/error.h"

namespace mcseg {

Canvas training_curves(const std::string& log_jsonl, const std::string& title) {
    const Rgb blue{31, 119, 180}, orange{255, 127, 14};
    Series tl{"train", {}, {}, blue}, vl{"validation", {}, {}, orange};
    Series ta{"train", {}, {}, blue}, va{"validation", {}, {}, orange};
    std::ifstream in(log_jsonl);
    std::string line;
    int number = 0;
    while (std::getline(in, line)) {
        ++number;
        if (line.empty()) continue;
        try {
            auto j = nlohmann::json::parse(line);
            double step = j.at("step").get<double>();
            for (Series* s : {&tl, &vl, &ta, &va}) s->x.push_back(step);
            tl.y.push_back(j.at("train_loss").get<double>());
            vl.y.push_back(j.at("val_loss").get<double>());
            ta.y.push_back(100 * j.at("train_accuracy").get<double>());
            va.y.push_back(100 * j.at("val_accuracy").get<double>());
        } catch (const nlohmann::json::exception& e) {
            fail(log_jsonl, ":", number, ": bad log line: ", e.what());
        }
    }
    Canvas c(900, 640);
    c.text(10, 6, title, {0, 0, 0}, 2);
    draw_chart(c, 0, 24, 900, 300, "loss (cross-entropy)", "step", {tl, vl});
    draw_chart(c, 0, 334, 900, 300, "accuracy (%)", "step", {ta, va});
    return c;
}

void write_training_curves(const std::string& log_jsonl, const std::string& png_path, const std::string& title) {
    training_curves(log_jsonl, title).save_png(png_path);
}

}  // namespace mcseg
