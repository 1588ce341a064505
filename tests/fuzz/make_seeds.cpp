// tests/fuzz/make_seeds.cpp — fuzz_seeds DIR: the seed corpora of the harnesses, made by the
// project's own writers (nothing downloaded or copied in), so that each harness starts from
// inputs its parser accepts and mutations reach past the first checks:
//   DIR/seeds/<harness>/...   valid files (and a few near misses) for fuzz_<harness>
//   DIR/found/<harness>/      empty: where a bounded run keeps the inputs it adds
// Both are made anew on every run, so each ctest run fuzzes from the same start.
#include <dcmtk/dcmdata/dctk.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "apps/dataset/hard_negatives.h"
#include "apps/dataset/patch_db.h"
#include "apps/io/image.h"
#include "engine/error.h"
#include "engine/safetensors.h"
#include "nets/weights.h"
#include "tests/test_data_fixture.h"

namespace fs = std::filesystem;
using namespace mcseg;

namespace {

void write_text(const fs::path& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
}

void png_seeds(const fs::path& dir) {
    const std::vector<uint8_t> g8 = {0, 50, 100, 150, 200, 250, 255, 1, 2, 3, 4, 5};
    const std::vector<uint16_t> g16 = {0, 1000, 4095, 65535, 7, 300};
    const std::vector<uint8_t> rgb(2 * 2 * 3, 128);  // colour: rejected
    write_png_gray8((dir / "gray8.png").string(), 4, 3, g8.data());
    write_png_gray16((dir / "gray16.png").string(), 3, 2, g16.data());
    write_png_rgb8((dir / "rgb8.png").string(), 2, 2, rgb.data());
}

// A small mammogram-like DICOM; bits 12 or 16, with or without rescale and spacing.
void write_dicom(const fs::path& path, const char* photometric, int bits, bool rescale, E_TransferSyntax xfer) {
    const int w = 5, h = 4;
    std::vector<Uint16> px(w * h);
    for (int i = 0; i < w * h; ++i) px[i] = Uint16((i * 211) % (1 << bits));
    DcmFileFormat ff;
    DcmDataset* ds = ff.getDataset();
    ds->putAndInsertString(DCM_SOPClassUID, UID_DigitalMammographyXRayImageStorageForPresentation);
    ds->putAndInsertString(DCM_PhotometricInterpretation, photometric);
    ds->putAndInsertUint16(DCM_SamplesPerPixel, 1);
    ds->putAndInsertUint16(DCM_Rows, Uint16(h));
    ds->putAndInsertUint16(DCM_Columns, Uint16(w));
    ds->putAndInsertUint16(DCM_BitsAllocated, 16);
    ds->putAndInsertUint16(DCM_BitsStored, Uint16(bits));
    ds->putAndInsertUint16(DCM_HighBit, Uint16(bits - 1));
    ds->putAndInsertUint16(DCM_PixelRepresentation, 0);
    if (rescale) {
        ds->putAndInsertString(DCM_RescaleSlope, "2");
        ds->putAndInsertString(DCM_RescaleIntercept, "-10");
        ds->putAndInsertString(DCM_PixelSpacing, "0.07\\0.07");
    }
    ds->putAndInsertUint16Array(DCM_PixelData, px.data(), static_cast<unsigned long>(px.size()));
    OFCondition st = ff.saveFile(path.string().c_str(), xfer);
    if (st.bad()) fail("cannot write '", path.string(), "': ", st.text());
}

void dicom_seeds(const fs::path& dir) {
    write_dicom(dir / "mono2.dcm", "MONOCHROME2", 16, false, EXS_LittleEndianExplicit);
    write_dicom(dir / "mono1_rescaled.dcm", "MONOCHROME1", 12, true, EXS_LittleEndianImplicit);
}

void safetensors_seeds(const fs::path& dir) {
    save_safetensors((dir / "two.safetensors").string(),
                     {{"a", Tensor::from_host({2, 3}, {1, 2, 3, 4, 5, 6})}, {"b", Tensor::from_host({1}, {-1})}},
                     {{"note", "seed"}});
    save_safetensors((dir / "empty.safetensors").string(), {});
}

void sidecar_seeds(const fs::path& dir) {
    write_text(dir / "spacing.json", R"({"pixel_spacing_mm": 0.05, "seed": 3})");
    write_text(dir / "none.json", R"({"view": "CC"})");
    write_text(dir / "string.json", R"({"pixel_spacing_mm": "0.05"})");
}

// A real patch database of three tiny images, with hard negatives, as `mcseg patches` and
// `mcseg mine` write it.
void patch_db_seeds(const fs::path& dir) {
    const fs::path images = test::make_fixture("fuzz_seeds", 3);
    PatchDbOptions opt;
    opt.patch = 9;
    opt.max_c3 = opt.max_c4 = 3;
    const std::string db = (dir / "patches.db").string();
    build_patch_db(images.string(), db, opt);
    add_hard_examples(db, "img_1", "detector", 1, {{50, 40, 4}, {60, 70, 4}});
    fs::remove_all(images);
}

void train_log_seeds(const fs::path& dir) {
    write_text(dir / "log.jsonl",
               R"({"step":250,"lr":0.001,"train_loss":0.61,"train_accuracy":0.7,"val_loss":0.55,)"
               R"("val_accuracy":0.74,"val_class_error":[0.1,0.2,null,0.3],"action":"improved","samples_per_s":1900})"
               "\n"
               R"({"step":500,"lr":0.0005,"train_loss":0.4,"train_accuracy":0.85,"val_loss":0.45,)"
               R"("val_accuracy":0.8,"val_class_error":[0.1,0.1,0.2,0.3],"action":"halve-lr","samples_per_s":1950})"
               "\n"
               R"({"step":750,"lr":0.0005,"train_loss":0.38,"train_accuracy":0.86,"val_loss":0.46,)"
               R"("val_accuracy":0.8,"val_class_error":[0.1,0.1,0.2,0.3],"action":"wait","samples_per_s":1940})"
               "\n");
}

// The smallest network there is (N = 4, one filter, fc 1): its weights are a few hundred bytes.
NetConfig tiny_net() { return NetConfig{.patch = 4, .filters = 1, .fc = 1}; }

void net_config_seeds(const fs::path& dir) {
    write_text(dir / "default.json", NetConfig{}.to_json());
    write_text(dir / "tiny.json", tiny_net().to_json());
    NetConfig valid;
    valid.same = false;
    valid.input = "local-noise";
    valid.spacing_mm = 0.07;
    write_text(dir / "valid.json", valid.to_json());
}

void weights_seeds(const fs::path& dir) {
    Network net(tiny_net(), 1);
    save_network((dir / "tiny.safetensors").string(), net, {{"mcseg.kind", "detector"}, {"mcseg.threshold", "0.5"}});
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: fuzz_seeds DIR\n");
        return 2;
    }
    const fs::path root = argv[1];
    const std::pair<const char*, void (*)(const fs::path&)> harnesses[] = {
        {"png", png_seeds},          {"dicom", dicom_seeds},         {"safetensors", safetensors_seeds},
        {"sidecar", sidecar_seeds},  {"patch_db", patch_db_seeds},   {"train_log", train_log_seeds},
        {"net_config", net_config_seeds}, {"weights", weights_seeds},
    };
    try {
        fs::remove_all(root / "seeds");
        fs::remove_all(root / "found");
        for (const auto& [name, make] : harnesses) {
            fs::create_directories(root / "seeds" / name);
            fs::create_directories(root / "found" / name);
            make(root / "seeds" / name);
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "fuzz_seeds: %s\n", e.what());
        return 1;
    }
    return 0;
}
