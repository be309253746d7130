// RTNeural's compile-time models (ModelT) on the audio shapes of bench/rtneural/run.sh: LSTM and GRU of
// 8, 16, 32, 40 and 64 units on one input sample, with a Dense 1 head, as RTNeural's own benchmarks
// build them. Weights are uniform in [-0.5, 0.5] (their values do not change the work).
//
// Usage: rtneural_bench <seconds per shape> [key ...]; prints one line per shape: "<key> <ns per sample>",
// the median over batches of 64 forward() calls of one sample each.
#include <RTNeural/RTNeural.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace
{
template <typename Layer>
void randomise(Layer& layer, int gates, std::mt19937& rng)
{
    std::uniform_real_distribution<float> u(-0.5f, 0.5f);
    std::vector<std::vector<float>> w(layer.in_size, std::vector<float>(gates * layer.out_size));
    for (auto& row : w)
        for (auto& v : row)
            v = u(rng);
    layer.setWVals(w);
    std::vector<std::vector<float>> r(layer.out_size, std::vector<float>(gates * layer.out_size));
    for (auto& row : r)
        for (auto& v : row)
            v = u(rng);
    layer.setUVals(r);
    // LSTM: one bias vector of 4H; GRU: two rows (input and recurrent biases) of 3H.
    std::vector<std::vector<float>> b(gates == 4 ? 1 : 2, std::vector<float>(gates * layer.out_size));
    for (auto& row : b)
        for (auto& v : row)
            v = u(rng);
    if constexpr (requires { layer.setBVals(b); })
        layer.setBVals(b);
    else
        layer.setBVals(b[0]);
}

template <typename Dense>
void randomiseDense(Dense& dense, std::mt19937& rng)
{
    std::uniform_real_distribution<float> u(-0.5f, 0.5f);
    std::vector<std::vector<float>> w(dense.out_size, std::vector<float>(dense.in_size));
    for (auto& row : w)
        for (auto& v : row)
            v = u(rng);
    dense.setWeights(w);
    std::vector<float> b(dense.out_size);
    for (auto& v : b)
        v = u(rng);
    dense.setBias(b.data());
}

template <typename Model>
double nanosecondsPerSample(Model& model, double seconds)
{
    std::mt19937 rng(7);
    std::normal_distribution<float> n(0.0f, 0.5f);
    float block[64];
    for (auto& v : block)
        v = n(rng);
    volatile float sink = 0;
    using clock = std::chrono::steady_clock;
    auto run = [&]
    {
        for (int i = 0; i < 64; ++i)
        {
            float x = block[i];
            sink = model.forward(&x);
        }
    };
    // Warm up, then batches of 64 samples for the given time; the median batch.
    auto start = clock::now();
    while (std::chrono::duration<double>(clock::now() - start).count() < seconds / 4)
        run();
    std::vector<double> samples;
    start = clock::now();
    while (std::chrono::duration<double>(clock::now() - start).count() < seconds || samples.size() < 5)
    {
        auto t0 = clock::now();
        for (int k = 0; k < 16; ++k)
            run();
        samples.push_back(std::chrono::duration<double, std::nano>(clock::now() - t0).count() / (16 * 64));
    }
    std::sort(samples.begin(), samples.end());
    (void)sink;
    return samples[samples.size() / 2];
}

template <int H>
double lstm(double seconds)
{
    std::mt19937 rng(1);
    RTNeural::ModelT<float, 1, 1, RTNeural::LSTMLayerT<float, 1, H>, RTNeural::DenseT<float, H, 1>> model;
    randomise(model.template get<0>(), 4, rng);
    randomiseDense(model.template get<1>(), rng);
    model.reset();
    return nanosecondsPerSample(model, seconds);
}

template <int H>
double gru(double seconds)
{
    std::mt19937 rng(1);
    RTNeural::ModelT<float, 1, 1, RTNeural::GRULayerT<float, 1, H>, RTNeural::DenseT<float, H, 1>> model;
    randomise(model.template get<0>(), 3, rng);
    randomiseDense(model.template get<1>(), rng);
    model.reset();
    return nanosecondsPerSample(model, seconds);
}
} // namespace

int main(int argc, char** argv)
{
    double seconds = argc > 1 ? std::atof(argv[1]) : 0.5;
    std::vector<std::string> only(argv + std::min(argc, 2), argv + argc);
    struct Shape
    {
        const char* key;
        double (*run)(double);
    };
    const Shape shapes[] = {
        { "audio_lstm_8", lstm<8> }, { "audio_lstm_16", lstm<16> }, { "audio_lstm_32", lstm<32> },
        { "audio_lstm_40", lstm<40> }, { "audio_lstm_64", lstm<64> },
        { "audio_gru_8", gru<8> }, { "audio_gru_16", gru<16> }, { "audio_gru_32", gru<32> },
        { "audio_gru_40", gru<40> }, { "audio_gru_64", gru<64> },
    };
    for (const auto& shape : shapes)
    {
        if (!only.empty() && std::find(only.begin(), only.end(), shape.key) == only.end())
            continue;
        std::printf("%s %.2f\n", shape.key, shape.run(seconds));
        std::fflush(stdout);
    }
    return 0;
}
