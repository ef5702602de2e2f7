package kexiang;

import org.codelibs.elasticsearch.runner.ElasticsearchClusterRunner;
import org.elasticsearch.http.HttpServerTransport;

/**
 * Starts one Elasticsearch 7.10.2 node on 127.0.0.1 through the codelibs cluster runner and blocks.
 *
 * Arguments: base HTTP port, base directory. The runner takes the first free HTTP port from the
 * base port on; this prints the port the node really bound as "ELASTICSEARCH_HTTP_PORT=N".
 */
public final class EsNode {
    public static void main(String[] args) throws Exception {
        final int basePort = Integer.parseInt(args[0]);
        final String basePath = args[1];
        final ElasticsearchClusterRunner runner = new ElasticsearchClusterRunner();
        runner.setMaxHttpPort(basePort + 99); // the runner's default ceiling is 9299
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                runner.close();
            } catch (Exception e) {
                System.err.println("closing the node failed: " + e);
            }
        }));
        try {
            start(runner, basePort, basePath);
        } catch (Throwable e) { // a half-started node may leave non-daemon threads behind: exit for sure
            e.printStackTrace();
            System.exit(1);
        }
        final int port = runner.node().injector().getInstance(HttpServerTransport.class)
                .boundAddress().publishAddress().getPort();
        System.out.println("ELASTICSEARCH_HTTP_PORT=" + port);
        System.out.flush();
        while (!runner.isClosed()) {
            Thread.sleep(1000);
        }
    }

    private static void start(ElasticsearchClusterRunner runner, int basePort, String basePath) {
        runner.onBuild((number, settings) -> {
            settings.put("network.host", "127.0.0.1");
            settings.put("transport.port", (basePort + 100) + "-" + (basePort + 199));
            settings.put("discovery.type", "single-node"); // never join another node on this machine
            settings.putList("node.roles", "master", "data", "ingest");
            settings.put("cluster.routing.allocation.disk.threshold_enabled", false);
        }).build(ElasticsearchClusterRunner.newConfigs()
                .numOfNode(1)
                .baseHttpPort(basePort - 1) // the runner adds the node number (1)
                .clusterName("kexiang-test")
                .basePath(basePath));
    }
}
