// Peer harness for bench/cpu_train_bench: times llm.c's CPU GPT-2 training step (forward,
// zero_grad, backward, AdamW update) on random weights. It writes a version-3 checkpoint with
// N(0, 0.02) parameters and random tokens, so no GPT-2 download is needed. It is compiled
// against a checkout of karpathy/llm.c (its train_gpt2.c is #included, never copied here) by
// scripts/bench_cpu_vs_llmc.sh; CMake does not build it.
// usage: llmc_cpu_step V L NH C T B steps
#define TESTING
#include "train_gpt2.c"

static uint32_t rnd_u32(uint64_t* s) {
  *s ^= *s >> 12; *s ^= *s << 25; *s ^= *s >> 27;
  return (uint32_t)((*s * 0x2545F4914F6CDD1Dull) >> 32);
}
static float rnd_f32(uint64_t* s) { return (rnd_u32(s) >> 8) / 16777216.0f; }
static float rnd_normal(uint64_t* s) {
  float u1 = rnd_f32(s), u2 = rnd_f32(s);
  if (u1 < 1e-7f) u1 = 1e-7f;
  return sqrtf(-2.0f * logf(u1)) * cosf(6.2831853f * u2);
}

int main(int argc, char** argv) {
  if (argc != 8) { fprintf(stderr, "usage: %s V L NH C T B steps\n", argv[0]); return 2; }
  int V = atoi(argv[1]), L = atoi(argv[2]), NH = atoi(argv[3]), C = atoi(argv[4]);
  int T = atoi(argv[5]), B = atoi(argv[6]), steps = atoi(argv[7]);
  GPT2Config cfg = {.max_seq_len = T, .vocab_size = V, .padded_vocab_size = V, .num_layers = L,
                    .num_heads = NH, .channels = C};
  size_t sizes[NUM_PARAMETER_TENSORS], n = 0;
  fill_in_parameter_sizes(sizes, cfg);
  for (int i = 0; i < NUM_PARAMETER_TENSORS; i++) n += sizes[i];
  char path[] = "/tmp/llmc_bench_ckpt_XXXXXX";
  int fd = mkstemp(path);
  FILE* f = fdopen(fd, "wb");
  int header[256] = {0};
  header[0] = 20240326; header[1] = 3; header[2] = T; header[3] = V; header[4] = L;
  header[5] = NH; header[6] = C; header[7] = V;
  fwrite(header, sizeof(int), 256, f);
  uint64_t s = 1337;
  float* p = (float*)malloc(n * sizeof(float));
  for (size_t i = 0; i < n; i++) p[i] = 0.02f * rnd_normal(&s);
  fwrite(p, sizeof(float), n, f);
  fclose(f);
  free(p);
  GPT2 model;
  gpt2_build_from_checkpoint(&model, path);
  remove(path);
  int* tokens = (int*)malloc((B * T + 1) * sizeof(int));
  for (int i = 0; i < B * T + 1; i++) tokens[i] = (int)(rnd_u32(&s) % V);
  struct timespec t0, t1;
  double total = 0;
  for (int step = 0; step <= steps; step++) {  // step 0 warms up (allocations)
    clock_gettime(CLOCK_MONOTONIC, &t0);
    gpt2_forward(&model, tokens, tokens + 1, B, T);
    gpt2_zero_grad(&model);
    gpt2_backward(&model);
    gpt2_update(&model, 1e-4f, 0.9f, 0.95f, 1e-8f, 0.1f, step + 1);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double dt = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    if (step > 0) total += dt;
    fprintf(stderr, "step %d loss %f %.3f s\n", step, model.mean_loss, dt);
  }
  printf("llm.c V%d L%d NH%d C%d T%d B%d threads %d: %.1f tokens/s (%d timed steps, %.3f s/step)\n",
         V, L, NH, C, T, B, omp_get_max_threads(), (double)B * T * steps / total, steps,
         total / steps);
  gpt2_free(&model);
  return 0;
}
