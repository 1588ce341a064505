// apps/segment/clusters.h — grouping MCs into clusters: "more than 5 MCs per cm²" (the paper, after the
// radiological definition of Park et al.).
//
// The rule, made precise: a square window of 1 cm × 1 cm (side = 10 mm / pixel spacing, so 200
// px at 0.05 mm), axis-aligned and placed anywhere, is DENSE when it holds the centroids of at
// least 6 MCs (> 5). An MC is clustered when some dense window holds it; clustered MCs that share
// a dense window belong to the same cluster (transitively). Isolated MCs stay unclustered.
//
// Finding every dense window: any window holding a set of centroids can slide right/down until
// its left edge meets the set's leftmost x and its top edge the set's topmost y, so only windows
// whose left edge is some MC's x and top edge some MC's y need testing. The left edge walks the
// MCs in x order with the vertical strip kept sorted by y, and each strip is swept with two
// pointers: O(M·S) for M MCs and at most S in a strip (thousands of false MCs stay fast).
#pragma once
#include <vector>

#include "apps/imaging/labeling.h"

namespace mcseg {

struct Point2 {
    double x, y;  // pixels
};

struct Cluster {
    std::vector<int> members;            // indices into the input points, ascending
    double x0 = 0, y0 = 0, x1 = 0, y1 = 0;  // bounding box of the member centroids, pixels
    double cx = 0, cy = 0;               // mean of the member centroids
};

// spacing_mm: pixel side in millimetres (> 0). min_mcs: MCs a window must hold (6 = "> 5").
std::vector<Cluster> find_clusters(const std::vector<Point2>& centroids, double spacing_mm,
                                   int min_mcs = 6, double window_mm = 10.0);

// The same rule over labelled MCs; each cluster's box then encloses its members' pixels.
std::vector<Cluster> cluster_components(const std::vector<Component>& mcs, double spacing_mm);

}  // namespace mcseg
