// apps/study/mine.h — hard-example mining (`mcseg mine`): the whole-image pipeline run on the
// training images of a patch database, and what it gets wrong stored back in the database for
// the next training round (apps/dataset/hard_negatives.h):
//   Segmentator negatives: every pixel of a predicted MC that overlaps no true MC (its class
//                          from the class map: C2, C3 or C4);
//   Segmentator positives: every pixel of a true MC that no predicted MC overlaps (C1);
//   Detector negatives:    the centre of every window called positive that holds no MC pixel (C4);
// at most max_per_image of each per image, a seeded uniform choice when there are more.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "apps/dataset/hard_negatives.h"
#include "apps/segment/pipeline.h"

namespace mcseg {

struct MineOptions {
    std::string db, detector, segmentator;  // the patch database and the two networks' weights
    Device device = Device::CPU;
    std::string split = "train";
    int images = 0;                         // how many of the split's images (seeded choice); 0: all
    int max_per_image = 2000;               // per task
    int round = 1;                          // stored with the negatives
    uint64_t seed = 1;
    SegmentOptions segment;                 // the pipeline's settings (defaults: mcseg segment's)
};

struct MineSummary {
    int images = 0;
    long long false_mcs = 0, missed_mcs = 0, false_windows = 0;            // what the pipeline got wrong
    long long segmentator_added = 0, positives_added = 0, detector_added = 0;  // new rows: negatives, positives
};

// The negatives of one segmented image, given its true MC mask and class map (patch side n):
// the pixels of predicted MCs overlapping no true MC (false_mcs counts those MCs), and the
// centres of positive windows holding no MC.
std::vector<HardExample> segmentator_negatives(const SegmentResult& r, const std::vector<uint8_t>& truth,
                                                const std::vector<uint8_t>& cls, long long& false_mcs);
std::vector<HardExample> detector_negatives(const SegmentResult& r, int n, const std::vector<uint8_t>& cls);
// The positives of one segmented image: the pixels of true MCs no predicted MC overlaps
// (missed_mcs counts those MCs).
std::vector<HardExample> segmentator_positives(const SegmentResult& r, const std::vector<uint8_t>& truth,
                                               const std::vector<uint8_t>& cls, long long& missed_mcs);

// progress(done, total) after each image.
MineSummary mine_hard_negatives(const MineOptions& opt, const std::function<void(int, int)>& progress = {});

}  // namespace mcseg
