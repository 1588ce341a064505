// apps/segment — whole mammograms in, MCs and clusters out: the two-stage pipeline (this file),
// its exact and dense ways of running the networks, the DoG baseline, the cluster rule and the
// per-image report files. It may use draw, imaging, io, the engine and nets.
//
// apps/segment/pipeline.h — the paper's two-stage segmentation of a whole mammogram.
//
//   1. Otsu's threshold separates the breast from the background (apps/imaging/otsu.h); pixels are
//      normalised with the breast's mean and standard deviation, as the training patches were.
//   2. The Detector classifies N×N windows laid over the breast with a stride of N/2 (windows
//      overlap by half, so an MC near a window's border is well inside a neighbour); a window
//      holding any breast pixel is evaluated. The union of the windows it calls positive is the
//      candidate region.
//   3. The Segmentator classifies every breast pixel of the candidate region as the centre of
//      its own N×N patch, giving a probability map and, above the threshold, the binary MC mask.
//   4. Connected components (8-connectivity) are the individual MCs; clusters follow the rule of
//      apps/segment/clusters.h with the image's pixel spacing.
// Both networks run in one of two modes: "exact" evaluates one N×N patch per window or pixel
// (batched through Network::forward, apps/segment/exact.h); "dense" runs the conv trunk once
// over tiles of the image and fc1 at the needed positions (apps/segment/dense.h), the same
// function except that a same net's convs see the true neighbours of a patch where the exact
// mode zero-pads it. Patches reaching past the image border repeat the edge pixels.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "apps/imaging/labeling.h"
#include "apps/io/gray_image.h"
#include "apps/segment/clusters.h"
#include "apps/segment/dog_baseline.h"
#include "apps/segment/network_input.h"
#include "nets/network.h"

namespace mcseg {

struct SegmentOptions {
    double detector_threshold = 0.5;     // window is a candidate when P(MC in window) exceeds it
    double segmentator_threshold = 0.5;  // pixel is MC when P(centre is MC) exceeds it
    // Components smaller than a disc of this diameter are dropped from the mask: an MC is at
    // least ~0.1 mm across, and 1-3 px specks were most of the false positives.
    double min_mc_mm = 0.1;
    // "dense" or "exact" (see above). Dense is the default: 6-27x faster, and as good against the
    // synthetic truth with the shipped weights, though its masks differ from exact's (README).
    std::string mode = "dense";
    int batch = 1024;                    // patches per forward call (exact) or per gather (dense)
    int tile = 256;                      // dense: side of a tile's block of patch positions (px)
    double default_spacing_mm = 0.05;    // when the image does not carry its spacing
    double override_spacing_mm = 0;      // > 0: use this spacing whatever the image says
    bool whole_image = false;            // the image is a crop of tissue: no background removal
    // Resample an image whose spacing differs (by more than 2 %) from the networks' training
    // spacing (NetConfig::spacing_mm, when recorded) to it, run there, and bring the results back.
    bool resample = true;
    void validate() const;               // a clear Error for a bad mode, batch or tile
};

struct SegmentStage {
    std::string name;
    double seconds = 0;
    int64_t patches = 0;
    double gflop = 0;
};

struct SegmentResult {
    int width = 0, height = 0;
    double spacing_mm = 0;
    std::string mode;                    // the CNN's "exact" or "dense"; empty for the classic method
    std::vector<uint8_t> breast;         // 1 = breast (Otsu)
    std::vector<uint8_t> candidates;     // 1 = inside a positive Detector window (and breast)
    std::vector<uint8_t> probability;    // Segmentator P(MC) × 255 on candidates, 0 elsewhere
    std::vector<uint8_t> mask;           // 1 = MC
    int64_t windows = 0, positive_windows = 0, candidate_pixels = 0;
    std::vector<std::pair<int, int>> positive_at;  // top-left corners of the positive Detector windows
    Labeling mcs;
    std::vector<Cluster> clusters;
    std::vector<SegmentStage> stages;    // otsu, detector, segmentator, labelling
    double seconds() const;
    double gflop() const;
};

// At a spacing other than the networks' (see SegmentOptions::resample) the two networks run on the
// resampled image; the probability map and the candidate region come back to the image's own
// grid (bilinear), where the mask, the MCs and the clusters are made as usual.
SegmentResult segment_mammogram(const GrayImage& img, Network& detector, Network& segmentator,
                                const SegmentOptions& opt, SegmentProgress progress = nullptr,
                                void* user = nullptr);

// The classical baseline through the same stages: Otsu, the DoG detector of apps/segment/dog_baseline.h on
// the breast, labelling and clusters. Its probability map is the z-score scaled so that the
// detection threshold maps to 127.5 (the CNN's 0.5), so `mcseg score` sweeps both alike.
SegmentResult segment_dog(const GrayImage& img, const DogParams& params, const SegmentOptions& opt);

// The smallest MC, in pixels: a disc of min_mc_mm diameter (SegmentOptions::min_mc_mm).
int64_t min_mc_area_px(double min_mc_mm, double spacing_mm);

// The shipped weights of a stage: DIR/detector.safetensors or DIR/segmentator.safetensors (their
// configuration is in their metadata; weights/*.md are their model cards).
std::string shipped_weights(const std::string& dir, const std::string& kind);

// The image as networks configured by `cfg` see it (the pipeline's first stage after Otsu): the
// normalisation of cfg.input over the breast, pixel for pixel.
NormalisedImage normalised_image(const GrayImage& img, const std::vector<uint8_t>& breast, double spacing_mm,
                                 const NetConfig& cfg);

// The Segmentator of `path`, and in *threshold the whole-image operating point stored in its
// weights (mcseg.pipeline_threshold, chosen by mcseg calibrate --froc), else 0.5: the threshold
// mcseg segment decides pixels at unless told otherwise.
Network load_segmentator(const std::string& path, Device device, double* threshold);

// An Error unless the two networks take patches of the same side (segment_mammogram checks it;
// a command checks it once before its images).
void check_stage_networks(const Network& detector, const Network& segmentator);

// The windows' top-left corners along one axis: 0, s, 2s, ... and a last one flush with the end.
std::vector<int> window_starts(int length, int n, int stride);

}  // namespace mcseg
