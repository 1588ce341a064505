// apps/draw/plot.h — line charts for training curves (loss and accuracy, train and validation).
#pragma once
#include <string>
#include <vector>

#include "apps/draw/canvas.h"

namespace mcseg {

struct Series {
    std::string name;
    std::vector<double> x, y;
    Rgb color;
};

// Draws one chart into the box (x0, y0, w, h) of the canvas: axes with min/max tick labels, a
// title, the series as polylines and a legend. Non-finite points are skipped.
void draw_chart(Canvas& canvas, int x0, int y0, int w, int h, const std::string& title,
                const std::string& x_label, const std::vector<Series>& series);

}  // namespace mcseg
