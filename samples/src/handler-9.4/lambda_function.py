# rotation-inspector sample: single-user PostgreSQL rotation handler written
# in the style of the pre-2021-12 templates. Our own code, for testing only.
#
# The database connection below is opened with host/user/password/database/
# port/connect_timeout and TLS turned off (sslmode='disable'), as some
# hand-written handlers of that time did: this handler never asks the driver
# for an encrypted transport, and forbids libpq to try one.

import json
import logging
import os

import boto3
import pgdb

logger = logging.getLogger()
logger.setLevel(logging.INFO)

PENDING = 'AWSPENDING'
CURRENT = 'AWSCURRENT'
PREVIOUS = 'AWSPREVIOUS'


def lambda_handler(event, context):
    """Entry point called by Secrets Manager once per rotation step.

    event keys: SecretId (ARN), ClientRequestToken (version id), Step.
    """
    arn = event['SecretId']
    token = event['ClientRequestToken']
    step = event['Step']

    client = boto3.client(
        'secretsmanager', endpoint_url=os.environ['SECRETS_MANAGER_ENDPOINT']
    )

    metadata = client.describe_secret(SecretId=arn)
    if not metadata.get('RotationEnabled'):
        raise ValueError('Secret %s does not have rotation turned on' % arn)

    versions = metadata['VersionIdsToStages']
    if token not in versions:
        raise ValueError('Version %s is unknown for secret %s' % (token, arn))
    if CURRENT in versions[token]:
        logger.info('Version %s is already current for %s, nothing to do', token, arn)
        return
    if PENDING not in versions[token]:
        raise ValueError('Version %s of %s is not staged as pending' % (token, arn))

    if step == 'createSecret':
        create_secret(client, arn, token)
    elif step == 'setSecret':
        set_secret(client, arn, token)
    elif step == 'testSecret':
        test_secret(client, arn, token)
    elif step == 'finishSecret':
        finish_secret(client, arn, token)
    else:
        raise ValueError('Unknown rotation step %r' % step)


def create_secret(client, arn, token):
    """Stage a new password under AWSPENDING unless one is already there."""
    current = fetch_secret(client, arn, CURRENT)
    try:
        fetch_secret(client, arn, PENDING, token)
        logger.info('createSecret: pending version already exists for %s', arn)
        return
    except client.exceptions.ResourceNotFoundException:
        pass

    exclude = os.environ.get('EXCLUDE_CHARACTERS', "/@\"'\\")
    generated = client.get_random_password(ExcludeCharacters=exclude)
    current['password'] = generated['RandomPassword']
    client.put_secret_value(
        SecretId=arn,
        ClientRequestToken=token,
        SecretString=json.dumps(current),
        VersionStages=[PENDING],
    )
    logger.info('createSecret: staged new version %s for %s', token, arn)


def set_secret(client, arn, token):
    """Make the database accept the pending password."""
    pending = fetch_secret(client, arn, PENDING, token)

    conn = open_connection(pending)
    if conn:
        conn.close()
        logger.info('setSecret: pending password already works for %s', arn)
        return

    current = fetch_secret(client, arn, CURRENT)
    if current['username'] != pending['username']:
        raise ValueError('setSecret: pending and current usernames differ')

    conn = open_connection(current)
    if not conn:
        try:
            previous = fetch_secret(client, arn, PREVIOUS)
        except client.exceptions.ResourceNotFoundException:
            previous = None
        conn = open_connection(previous) if previous else None
    if not conn:
        raise ValueError('setSecret: cannot log in with current or previous password')

    try:
        with conn.cursor() as cur:
            cur.execute('SELECT quote_ident(%s)', (pending['username'],))
            role = cur.fetchone()[0]
            cur.execute('ALTER USER ' + role + ' WITH PASSWORD %s', (pending['password'],))
            conn.commit()
    finally:
        conn.close()
    logger.info('setSecret: password changed for %s', arn)


def test_secret(client, arn, token):
    """Log in with the pending password and run a trivial query."""
    pending = fetch_secret(client, arn, PENDING, token)
    conn = open_connection(pending)
    if not conn:
        raise ValueError('testSecret: cannot log in with the pending password')
    try:
        with conn.cursor() as cur:
            cur.execute('SELECT NOW()')
            conn.commit()
    finally:
        conn.close()
    logger.info('testSecret: pending password works for %s', arn)


def finish_secret(client, arn, token):
    """Promote the pending version to AWSCURRENT."""
    metadata = client.describe_secret(SecretId=arn)
    old_version = None
    for version, stages in metadata['VersionIdsToStages'].items():
        if CURRENT in stages:
            if version == token:
                logger.info('finishSecret: %s already current for %s', token, arn)
                return
            old_version = version
            break
    client.update_secret_version_stage(
        SecretId=arn,
        VersionStage=CURRENT,
        MoveToVersionId=token,
        RemoveFromVersionId=old_version,
    )
    logger.info('finishSecret: %s is now current for %s', token, arn)


def open_connection(secret_dict):
    """Return a pgdb connection for the secret, or None if login fails."""
    port = int(secret_dict.get('port', 5432))
    dbname = secret_dict.get('dbname', 'postgres')
    try:
        return pgdb.connect(
            host=secret_dict['host'],
            user=secret_dict['username'],
            password=secret_dict['password'],
            database=dbname,
            port=port,
            connect_timeout=5,
            sslmode='disable',
        )
    except pgdb.InternalError:
        return None


def fetch_secret(client, arn, stage, token=None):
    """Fetch and validate the secret JSON for a stage (and version)."""
    kwargs = {'SecretId': arn, 'VersionStage': stage}
    if token:
        kwargs['VersionId'] = token
    secret_dict = json.loads(client.get_secret_value(**kwargs)['SecretString'])
    for key in ('host', 'username', 'password'):
        if key not in secret_dict:
            raise KeyError('Secret is missing the %r field' % key)
    if secret_dict.get('engine', 'postgres') != 'postgres':
        raise KeyError('Secret engine is not postgres')
    return secret_dict
