/**
 * Rotation handlers written for these tests in the shape of AWS's official
 * single-user templates (aws-samples/aws-secrets-manager-rotation-lambdas),
 * for every engine, before the December 2021 TLS change ("pre") and after it
 * ("current"). Our own code: the same structure, imports, engine checks,
 * docstrings that describe the "ssl" key, and connect calls as the templates
 * have them, none of their text.
 */
export type TemplateEngine =
  | 'postgresql' | 'aurora-postgresql' | 'redshift' | 'mysql' | 'mariadb' | 'oracle' | 'sqlserver' | 'mongodb'
  | 'db2' | 'influxdb' | 'elasticache' | 'generic';
export type Era = 'pre' | 'current';

interface Shape { imports: string[]; engineCheck: string; connect: string; sslKey: boolean }

const SSL_CONFIG = `
def get_ssl_config(secret_dict):
    """Works out TLS from the secret's optional 'ssl' key.

    - no 'ssl' key, or a value we do not understand: try TLS, fall back to plain
    - 'ssl' is a bool: use secret_dict['ssl'] and never fall back
    - 'ssl' is "true"/"false" (any case): the same as the bool
    """
    if 'ssl' not in secret_dict:
        return True, True
    if isinstance(secret_dict['ssl'], bool):
        return secret_dict['ssl'], False
    if isinstance(secret_dict['ssl'], str):
        value = secret_dict['ssl'].lower()
        if value == "true":
            return True, False
        elif value == "false":
            return False, False
    return True, True
`;

function shape(engine: TemplateEngine, era: Era): Shape {
  const cur = era === 'current';
  const eq = (name: string) => `    if 'engine' not in secret_dict or secret_dict['engine'] != '${name}':\n        raise KeyError("Database engine must be set to '${name}' in order to use this rotation lambda")`;
  const list = (names: string[]) => `    supported_engines = [${names.map((n) => `"${n}"`).join(', ')}]\n    if 'engine' not in secret_dict or secret_dict['engine'] not in supported_engines:\n        raise KeyError("Database engine must be set to '${names[0]}' in order to use this rotation lambda")`;
  switch (engine) {
    case 'postgresql':
    case 'aurora-postgresql':
      return {
        imports: ['import pg', 'import pgdb'],
        engineCheck: engine === 'aurora-postgresql' ? list(['postgres', 'aurora-postgresql']) : eq('postgres'),
        connect: cur
          ? `        if use_ssl:
            # sslmode='verify-full' checks the server certificate and host name
            conn = pgdb.connect(host=secret_dict['host'], user=secret_dict['username'], password=secret_dict['password'], database=dbname, port=port,
                                connect_timeout=5, sslrootcert='/etc/pki/tls/cert.pem', sslmode='verify-full')
        else:
            conn = pgdb.connect(host=secret_dict['host'], user=secret_dict['username'], password=secret_dict['password'], database=dbname, port=port,
                                connect_timeout=5, sslmode='disable')`
          : `        conn = pgdb.connect(host=secret_dict['host'], user=secret_dict['username'], password=secret_dict['password'], database=dbname, port=port, connect_timeout=5)`,
        sslKey: cur,
      };
    case 'redshift':
      return { imports: ['import pg', 'import pgdb'], engineCheck: eq('redshift'), connect: `        conn = pgdb.connect(host=secret_dict['host'], user=secret_dict['username'], password=secret_dict['password'], database=dbname, port=port, connect_timeout=5)`, sslKey: false };
    case 'mysql':
    case 'mariadb':
      return {
        imports: ['import pymysql'],
        engineCheck: engine === 'mysql' && cur ? list(['mysql', 'aurora-mysql']) : eq(engine),
        connect: cur
          ? `        ssl = {'ca': '/etc/pki/tls/cert.pem'} if use_ssl else None
        conn = pymysql.connect(host=secret_dict['host'], user=secret_dict['username'], password=secret_dict['password'], port=port, database=dbname, connect_timeout=5, ssl=ssl)`
          : `        conn = pymysql.connect(secret_dict['host'], user=secret_dict['username'], passwd=secret_dict['password'], port=port, db=dbname, connect_timeout=5)`,
        sslKey: cur,
      };
    case 'oracle':
      return cur
        ? { imports: ['import oracledb'], engineCheck: eq('oracle'), sslKey: true, connect: `        if use_ssl:
            oracle_dsn = '(DESCRIPTION=(ADDRESS=(PROTOCOL=tcps)(HOST=%s)(PORT=%s))(CONNECT_DATA=(SID=%s)))' % (secret_dict['host'], port, secret_dict['dbname'])
            conn = oracledb.connect(user=secret_dict['username'], password=secret_dict['password'], dsn=oracle_dsn)
        else:
            conn = oracledb.connect(user=secret_dict['username'], password=secret_dict['password'], dsn=secret_dict['host'] + ':' + port + '/' + secret_dict['dbname'])` }
        : { imports: ['import cx_Oracle'], engineCheck: eq('oracle'), sslKey: false, connect: `        conn = cx_Oracle.connect(secret_dict['username'],
                                 secret_dict['password'],
                                 secret_dict['host'] + ':' + port + '/' + secret_dict['dbname'])` };
    case 'sqlserver':
      return { imports: ['import pymssql'], engineCheck: eq('sqlserver'), sslKey: cur, connect: `${cur ? "        os.environ['FREETDSCONF'] = '/var/task/%s' % 'freetds_ssl.conf' if use_ssl else 'freetds.conf'\n" : ''}        conn = pymssql.connect(server=secret_dict['host'],
                               user=secret_dict['username'],
                               password=secret_dict['password'],
                               database=dbname,
                               port=port,
                               login_timeout=5,
                               as_dict=True)` };
    case 'mongodb':
      return { imports: ['from pymongo import MongoClient, errors'], engineCheck: eq('mongo'), sslKey: true, connect: `        client = MongoClient(host=secret_dict['host'], port=port, connectTimeoutMS=5000, serverSelectionTimeoutMS=5000, ssl=use_ssl)
        conn = client[dbname]` };
    case 'db2':
      return { imports: ['import ibm_db'], sslKey: false, engineCheck: `    if not secret_dict['engine'].startswith('db2'):\n        raise KeyError("Database engine must be set to 'db2' in order to use this rotation lambda")`, connect: `        connect_string = "DATABASE=%s;HOSTNAME=%s;PORT=%s;PROTOCOL=TCPIP;UID=%s;PWD=%s;Security=SSL;" % (dbname, secret_dict['host'], port, secret_dict['username'], secret_dict['password'])
        conn = ibm_db.connect(connect_string, "", "")` };
    case 'influxdb':
      return { imports: ['import influxdb_client', 'from contextlib import contextmanager'], sslKey: false, engineCheck: `    if secret_dict["engine"] != "timestream-influxdb":\n        raise KeyError("Database engine must be set to 'timestream-influxdb' in order to use this Lambda rotation function.")`, connect: `        conn = influxdb_client.InfluxDBClient(url="https://" + secret_dict['host'] + ":8086", username=secret_dict["username"], password=secret_dict["password"], debug=False, verify_ssl=True)` };
    case 'elasticache':
    case 'generic':
      return { imports: ['import time'], engineCheck: '', sslKey: false, connect: '' };
  }
}

export function templateHandler(engine: TemplateEngine, era: Era): string {
  const s = shape(engine, era);
  const engineDoc = engine === 'elasticache' || engine === 'generic' ? '' : `        'engine': <required: must be set to '${engine === 'aurora-postgresql' ? 'postgres' : engine}'>,\n`;
  const sslDoc = s.sslKey || engine === 'mongodb' ? `        'ssl': <optional: if not specified, defaults to false. secret_dict['ssl'] must be true when the database requires TLS; sslmode='verify-full' is used then>\n` : '';
  const useSsl = s.sslKey ? `    use_ssl, fall_back = get_ssl_config(secret_dict)\n    conn = connect_and_authenticate(secret_dict, port, dbname, use_ssl)\n    if conn or not fall_back:\n        return conn\n    return connect_and_authenticate(secret_dict, port, dbname, False)\n` : engine === 'mongodb' ? `    use_ssl = False\n    if 'ssl' in secret_dict:\n        use_ssl = secret_dict['ssl'] if type(secret_dict['ssl']) is bool else secret_dict['ssl'].lower() == "true"\n    return connect_and_authenticate(secret_dict, port, dbname, use_ssl)\n` : `    return connect_and_authenticate(secret_dict, port, dbname, False)\n`;
  const db = s.connect
    ? `
def get_connection(secret_dict):
    """Opens a connection from the secret's fields; None when login fails"""
    port = int(secret_dict['port']) if 'port' in secret_dict else 5432
    dbname = secret_dict['dbname'] if 'dbname' in secret_dict else "postgres"
${useSsl}

def connect_and_authenticate(secret_dict, port, dbname, use_ssl):
    """One connection attempt; logs "Connected with sslmode=require" style messages only"""
    try:
${s.connect}
        logger.info("Successfully established %s connection as user '%s' with host: '%s'" % ("SSL/TLS" if use_ssl else "non SSL/TLS", secret_dict['username'], secret_dict['host']))
        return conn
    except Exception as e:
        logger.error("Unable to log into database (sslmode=require may need a CA bundle): %s" % e)
        return None
${s.sslKey ? SSL_CONFIG : ''}`
    : '';
  return `# Rotation handler in the shape of the ${engine} single-user template (${era}); written for rotation-inspector's tests.

import boto3
import json
import logging
import os
${s.imports.join('\n')}

logger = logging.getLogger()
logger.setLevel(logging.INFO)


def lambda_handler(event, context):
    """Secrets Manager rotation handler

    The SecretString is a JSON string of this form:
    {
${engineDoc}        'host': <required: host name>,
        'username': <required: username>,
        'password': <required: password>,
${sslDoc}    }
    """
    arn = event['SecretId']
    token = event['ClientRequestToken']
    step = event['Step']
    service_client = boto3.client('secretsmanager', endpoint_url=os.environ['SECRETS_MANAGER_ENDPOINT'])
    if step == "createSecret":
        create_secret(service_client, arn, token)
    elif step == "setSecret":
        set_secret(service_client, arn, token)
    elif step == "testSecret":
        test_secret(service_client, arn, token)
    elif step == "finishSecret":
        finish_secret(service_client, arn, token)
    else:
        raise ValueError("Invalid step parameter")


def create_secret(service_client, arn, token):
    current_dict = get_secret_dict(service_client, arn, "AWSCURRENT")
    service_client.put_secret_value(SecretId=arn, ClientRequestToken=token, SecretString=json.dumps(current_dict), VersionStages=['AWSPENDING'])


def set_secret(service_client, arn, token):
    pending_dict = get_secret_dict(service_client, arn, "AWSPENDING", token)
${s.connect ? '    conn = get_connection(pending_dict)\n' : ''}

def test_secret(service_client, arn, token):
${s.connect ? '    conn = get_connection(get_secret_dict(service_client, arn, "AWSPENDING", token))\n' : '    pass\n'}

def finish_secret(service_client, arn, token):
    service_client.update_secret_version_stage(SecretId=arn, VersionStage="AWSCURRENT", MoveToVersionId=token)
${db}

def get_secret_dict(service_client, arn, stage, token=None):
    required_fields = ['host', 'username', 'password']
    secret = service_client.get_secret_value(SecretId=arn, VersionStage=stage)
    secret_dict = json.loads(secret['SecretString'])
${s.engineCheck}
    for field in required_fields:
        if field not in secret_dict:
            raise KeyError("%s key is missing from secret JSON" % field)
    return secret_dict
`;
}
