// Why Wanda does or does not differ from magnitude on a trained gpt-tiny. Wanda scores |W_ij|·‖X_j‖ within each output
// row; it helps where a few input features have far larger norms than the rest (the outlier features of large language
// models). For every linear layer of the blocks this prints, on the 128 calibration sequences Wanda reads with seed 1:
// - the spread of ‖X_j‖ over the layer's inputs: the largest and the 99th percentile over the median;
// - how many of the weights Wanda keeps at 50% per row magnitude keeps too, per row (the norms' effect alone) and per
//   layer (the norms' and the comparison group's, as sparsegpt-wanda-gpt.groovy runs magnitude).
//
//   bin/secateur run scripts/tools/input-norms.groovy runs/gpt-dense-.../model-final.zip
import dev.secateur.data.Calibration
import dev.secateur.data.DatasetLoader
import dev.secateur.model.ModelFiles
import dev.secateur.model.NetworkLayout
import dev.secateur.score.StatisticsPass
import dev.secateur.spi.Requirement
import java.nio.file.Path

if (args.size() != 1) {
    throw new IllegalArgumentException('give the dense model, such as runs/gpt-dense-.../model-final.zip')
}
def corpus = text('/usr/share/doc/python3.11/html/_sources', include: '*.txt', context: 128, testFraction: 0.01, train: 20000)
def calibration = Calibration.sample(new DatasetLoader().load(corpus, 1L), 128, 1L)
def net = ModelFiles.load(Path.of(args[0]))
def params = NetworkLayout.prunable(net).findAll { net.layerName(it.weights().layer()).startsWith('block') }
def statistics = new StatisticsPass().gather(net, params, EnumSet.of(Requirement.INPUT_GRAM), calibration)

/** The indices of the larger half of {@code values}. */
Set<Integer> largerHalf(double[] values) {
    def order = (0..<values.length).toList().sort { -values[it] }
    return order.take(values.length.intdiv(2)) as Set
}

println String.format('%-12s %6s %10s %10s %16s %18s', 'layer', 'inputs', 'max/median', 'p99/median',
        'same kept (row)', 'same kept (layer)')
for (param in params) {
    def gram = statistics.of(param.weights()).get(Requirement.INPUT_GRAM)
    double[] norms = (0..<gram.rows()).collect { Math.sqrt(gram.getDouble(it, it)) } as double[]
    double[] sorted = norms.clone()
    Arrays.sort(sorted)
    double median = sorted[sorted.length.intdiv(2)]
    float[][] w = net.layer(param.weights().layer()).getParam("W").toFloatMatrix() // [inputs, outputs]
    int inputs = w.length
    int outputs = w[0].length
    long sameRow = 0
    long sameLayer = 0
    // magnitude per layer: the larger half of all |w| of the layer
    double[] all = new double[inputs * outputs]
    for (int i = 0; i < inputs; i++) {
        for (int o = 0; o < outputs; o++) {
            all[i * outputs + o] = Math.abs(w[i][o])
        }
    }
    double[] allSorted = all.clone()
    Arrays.sort(allSorted)
    double layerCut = allSorted[allSorted.length.intdiv(2)]
    for (int o = 0; o < outputs; o++) {
        double[] magnitude = new double[inputs]
        double[] wanda = new double[inputs]
        for (int i = 0; i < inputs; i++) {
            magnitude[i] = Math.abs(w[i][o])
            wanda[i] = magnitude[i] * norms[i]
        }
        def keptByWanda = largerHalf(wanda)
        sameRow += keptByWanda.intersect(largerHalf(magnitude)).size()
        sameLayer += keptByWanda.count { magnitude[it] >= layerCut }
    }
    long kept = (long) outputs * inputs.intdiv(2)
    println String.format('%-12s %6d %10.2f %10.2f %15.1f%% %17.1f%%', net.layerName(param.weights().layer()), inputs,
            sorted[sorted.length - 1] / median, sorted[(int) Math.floor(0.99 * (sorted.length - 1))] / median,
            100.0 * sameRow / kept, 100.0 * sameLayer / kept)
}
