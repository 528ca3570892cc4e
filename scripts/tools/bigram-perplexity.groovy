// The perplexity of a byte bigram model on the test split of the text scripts/sparsegpt-wanda-gpt.groovy reads: the
// bar "far below a bigram model's" is measured against. Counts come from the same 20,000 training sequences the dense
// gpt-tiny trains on (seed 2023), with add-one smoothing; every token of every test sequence is predicted from the
// one before it, as gpt-tiny's next-token loss is counted.
//
//   bin/secateur run scripts/tools/bigram-perplexity.groovy
import dev.secateur.data.DatasetLoader

def corpus = text('/usr/share/doc/python3.11/html/_sources', include: '*.txt', context: 128, testFraction: 0.01, train: 20000)
def splits = new DatasetLoader().load(corpus, 2023L)
long[][] counts = new long[256][256]
long[] totals = new long[256]
float[] inputs = splits.train().features().data().asFloat()
float[] next = splits.train().labels().data().asFloat()
for (int i = 0; i < inputs.length; i++) {
    counts[(int) inputs[i]][(int) next[i]]++
    totals[(int) inputs[i]]++
}
float[] testInputs = splits.test().features().data().asFloat()
float[] testNext = splits.test().labels().data().asFloat()
double nats = 0
for (int i = 0; i < testInputs.length; i++) {
    int a = (int) testInputs[i]
    nats -= Math.log((counts[a][(int) testNext[i]] + 1) / (double) (totals[a] + 256))
}
println String.format('bigram (add-one) on %,d test tokens after %,d training tokens: cross-entropy %.4f nats, perplexity %.3f',
        testInputs.length, inputs.length, nats / testInputs.length, Math.exp(nats / testInputs.length))
